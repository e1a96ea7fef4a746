from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("invite/<str:key>/", views.invitation, name="invitation-page"),
    path("workspace/", views.workspace_switch, name="workspace-switch"),
    path("tokens/", views.tokens_page, name="tokens-page"),
]
