from django.urls import path

from . import pages

urlpatterns = [
    path("deployments/", pages.deployment_list, name="deployment-list-page"),
    path("deployments/<int:pk>/", pages.deployment_detail, name="deployment-page"),
    path("deployments/<int:pk>/playground/", pages.deployment_playground, name="deployment-playground-page"),
]
