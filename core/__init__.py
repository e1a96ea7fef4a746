"""Framework-free pieces shared by every app's cores (formats, metrics, engines). No Django imports."""
