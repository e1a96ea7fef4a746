"""The short public detect URL, outside /api/v1/: /d/<slug>/detect (also with a trailing slash)."""
from django.urls import path

from . import detect

urlpatterns = [
    path("d/<str:slug>/detect", detect.DetectView.as_view(), name="deployment-public-detect"),
    path("d/<str:slug>/detect/", detect.DetectSlashView.as_view(), name="deployment-public-detect-slash"),
]
