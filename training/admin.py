from django.contrib import admin

from .models import EpochMetric, TrainingSession, WorkerStatus


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "workspace", "algorithm", "status", "epoch", "epochs", "best_fitness", "worker",
                    "created_at"]
    list_filter = ["status", "algorithm"]
    search_fields = ["name", "dataset_name", "workspace__name"]


@admin.register(EpochMetric)
class EpochMetricAdmin(admin.ModelAdmin):
    list_display = ["session", "epoch", "fitness", "seconds"]


@admin.register(WorkerStatus)
class WorkerStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "device", "device_name", "current_session", "last_seen"]
