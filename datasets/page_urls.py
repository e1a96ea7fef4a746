from django.urls import path

from . import views

urlpatterns = [
    path("", views.dataset_list, name="home"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset-page"),
]
