from django.urls import path

from . import api

urlpatterns = [
    path("datasets/<int:pk>/review/", api.ReviewQueue.as_view(), name="review-queue"),
    path("datasets/<int:pk>/review/next/", api.ReviewNext.as_view(), name="review-next"),
    path("images/<int:pk>/suggestions/accept/", api.SuggestionsAccept.as_view(), name="suggestions-accept"),
    path("images/<int:pk>/suggestions/reject/", api.SuggestionsReject.as_view(), name="suggestions-reject"),
    path("datasets/<int:pk>/autolabel/", api.AutolabelSettings.as_view(), name="autolabel-settings"),
    path("datasets/<int:pk>/autolabel/mappings/", api.KeypointMappings.as_view(), name="autolabel-mappings"),
    path("datasets/<int:pk>/autolabel/mappings/<int:class_id>/", api.KeypointMappingDetail.as_view(),
         name="autolabel-mapping"),
    path("datasets/<int:pk>/autolabel/run/", api.AutolabelRun.as_view(), name="autolabel-run"),
    path("datasets/<int:pk>/autolabel/evaluate/", api.AutolabelEvaluate.as_view(), name="autolabel-evaluate"),
    path("datasets/<int:pk>/autolabel/jobs/", api.AutolabelJobs.as_view(), name="autolabel-jobs"),
    path("autolabel-jobs/<int:pk>/", api.AutolabelJobDetail.as_view(), name="autolabel-job"),
    path("autolabel-jobs/<int:pk>/cancel/", api.AutolabelJobCancel.as_view(), name="autolabel-job-cancel"),
]
