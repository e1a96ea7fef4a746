from django.apps import AppConfig


class AutolabelConfig(AppConfig):
    name = "autolabel"
    verbose_name = "Autolabel"

    def ready(self):
        from . import signals, tasks  # noqa: F401  (uploads start jobs; a starting worker requeues stale jobs)
