from django.urls import path

from . import views

urlpatterns = [
    path("workspaces/", views.workspace_list_page, name="workspaces-page"),
    path("workspaces/<int:pk>/", views.workspace_page, name="workspace-page"),
]
