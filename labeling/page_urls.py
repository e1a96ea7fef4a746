from django.urls import path

from . import views

urlpatterns = [
    path("datasets/<int:pk>/label/<int:image_id>/", views.labeler, name="labeler-page"),
    path("datasets/<int:pk>/classes/<int:class_id>/template/", views.template_editor, name="template-editor-page"),
]
