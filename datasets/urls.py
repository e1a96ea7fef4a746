from django.urls import path

from . import api, api_exchange

urlpatterns = [
    path("datasets/", api.DatasetListCreate.as_view(), name="dataset-list"),
    path("datasets/<int:pk>/", api.DatasetDetail.as_view(), name="dataset-detail"),
    path("datasets/<int:pk>/move/", api.DatasetMove.as_view(), name="dataset-move"),
    path("datasets/<int:pk>/progress/", api.DatasetProgress.as_view(), name="dataset-progress"),
    path("datasets/<int:pk>/images/", api.DatasetImages.as_view(), name="dataset-images"),
    path("datasets/<int:pk>/classes/", api.ClassListCreate.as_view(), name="dataset-classes"),
    path("datasets/<int:pk>/export/", api_exchange.DatasetExport.as_view(), name="dataset-export"),
    path("datasets/<int:pk>/import-coco/", api_exchange.DatasetImportCoco.as_view(), name="dataset-import-coco"),
    path("datasets/<int:pk>/import-yolo/", api_exchange.DatasetImportYolo.as_view(), name="dataset-import-yolo"),
    path("datasets/<int:pk>/imports/", api_exchange.DatasetImportJobs.as_view(), name="dataset-imports"),
    path("datasets/<int:pk>/exports/", api_exchange.DatasetExportJobs.as_view(), name="dataset-exports"),
    path("datasets/<int:pk>/jobs/", api_exchange.DatasetJobList.as_view(), name="dataset-jobs"),
    path("jobs/<int:pk>/", api_exchange.JobDetail.as_view(), name="job-detail"),
    path("jobs/<int:pk>/cancel/", api_exchange.JobCancel.as_view(), name="job-cancel"),
    path("jobs/<int:pk>/download", api_exchange.JobDownload.as_view(), name="job-download"),
    path("images/<int:pk>/", api.ImageDetail.as_view(), name="image-detail"),
    path("images/<int:pk>/file", api.ImageFile.as_view(), name="image-file"),
    path("images/<int:pk>/thumbnail", api.ImageThumbnail.as_view(), name="image-thumbnail"),
    path("images/<int:pk>/display", api.ImageDisplay.as_view(), name="image-display"),
    path("classes/<int:pk>/", api.ClassDetail.as_view(), name="class-detail"),
]
