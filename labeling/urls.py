from django.urls import path

from . import api

urlpatterns = [
    path("images/<int:pk>/annotations/", api.ImageAnnotations.as_view(), name="image-annotations"),
]
