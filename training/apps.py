from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        from . import signals, worker  # noqa: F401  (sessions follow a moved dataset; Celery worker handlers)
