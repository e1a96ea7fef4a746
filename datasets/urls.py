from django.urls import path

from . import api

urlpatterns = [
    path("datasets/", api.DatasetListCreate.as_view(), name="dataset-list"),
    path("datasets/<int:pk>/", api.DatasetDetail.as_view(), name="dataset-detail"),
    path("datasets/<int:pk>/move/", api.DatasetMove.as_view(), name="dataset-move"),
    path("datasets/<int:pk>/progress/", api.DatasetProgress.as_view(), name="dataset-progress"),
    path("datasets/<int:pk>/images/", api.DatasetImages.as_view(), name="dataset-images"),
    path("datasets/<int:pk>/classes/", api.ClassListCreate.as_view(), name="dataset-classes"),
    path("datasets/<int:pk>/export/", api.DatasetExport.as_view(), name="dataset-export"),
    path("datasets/<int:pk>/import-coco/", api.DatasetImportCoco.as_view(), name="dataset-import-coco"),
    path("images/<int:pk>/", api.ImageDetail.as_view(), name="image-detail"),
    path("images/<int:pk>/file", api.ImageFile.as_view(), name="image-file"),
    path("images/<int:pk>/thumbnail", api.ImageThumbnail.as_view(), name="image-thumbnail"),
    path("images/<int:pk>/display", api.ImageDisplay.as_view(), name="image-display"),
    path("classes/<int:pk>/", api.ClassDetail.as_view(), name="class-detail"),
]
