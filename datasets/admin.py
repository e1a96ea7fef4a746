from django.contrib import admin

from .models import Annotation, Dataset, Image, SkeletonClass


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "created_by", "created_at"]


@admin.register(SkeletonClass)
class SkeletonClassAdmin(admin.ModelAdmin):
    list_display = ["name", "dataset"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["original_name", "dataset", "split", "labelled", "width", "height"]
    list_filter = ["split", "labelled"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["image", "version", "no_objects", "updated_at"]
