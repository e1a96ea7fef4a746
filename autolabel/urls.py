from django.urls import path

from . import api

urlpatterns = [
    path("datasets/<int:pk>/review/", api.ReviewQueue.as_view(), name="review-queue"),
    path("datasets/<int:pk>/review/next/", api.ReviewNext.as_view(), name="review-next"),
    path("images/<int:pk>/suggestions/accept/", api.SuggestionsAccept.as_view(), name="suggestions-accept"),
    path("images/<int:pk>/suggestions/reject/", api.SuggestionsReject.as_view(), name="suggestions-reject"),
]
