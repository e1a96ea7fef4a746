from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        from . import worker  # noqa: F401  (Celery worker signal handlers)
