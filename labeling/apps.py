from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"

    def ready(self):
        from . import signals  # noqa: F401  (assignments follow membership changes and dataset moves)
