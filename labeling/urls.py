from django.urls import path

from . import api

urlpatterns = [
    path("images/<int:pk>/annotations/", api.ImageAnnotations.as_view(), name="image-annotations"),
    path("datasets/<int:pk>/assignments/", api.DatasetAssignments.as_view(), name="dataset-assignments"),
    path("datasets/<int:pk>/assignments/split/", api.AssignmentsSplit.as_view(), name="assignments-split"),
    path("datasets/<int:pk>/assignments/reassign/", api.AssignmentsReassign.as_view(), name="assignments-reassign"),
    path("datasets/<int:pk>/assignments/clear/", api.AssignmentsClear.as_view(), name="assignments-clear"),
]
