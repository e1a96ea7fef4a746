from django.urls import path

from . import views

urlpatterns = [
    path("training/", views.session_list, name="training-list-page"),
    path("training/<int:pk>/", views.session_dashboard, name="training-page"),
    path("training/<int:pk>/evaluation/", views.session_evaluation, name="training-evaluation-page"),
]
