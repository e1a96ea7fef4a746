from django.urls import path

from . import api, backup_api, tokens_api

urlpatterns = [
    path("auth/token/", api.ObtainToken.as_view(), name="api-token"),
    path("auth/me/", api.Me.as_view(), name="api-me"),
    path("auth/tokens/", tokens_api.TokenList.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>/", tokens_api.TokenDetail.as_view(), name="api-token-detail"),
    path("workspaces/", api.WorkspaceList.as_view(), name="workspace-list"),
    path("workspaces/<int:pk>/", api.WorkspaceDetail.as_view(), name="workspace-detail"),
    path("workspaces/<int:pk>/backup/", backup_api.WorkspaceBackup.as_view(), name="workspace-backup"),
    path("workspaces/<int:pk>/members/", api.MemberList.as_view(), name="workspace-members"),
    path("workspaces/<int:pk>/members/<int:user_id>/", api.MemberDetail.as_view(), name="workspace-member"),
    path("workspaces/<int:pk>/invitations/", api.InvitationList.as_view(), name="workspace-invitations"),
    path("workspaces/<int:pk>/invitations/<int:invitation_id>/", api.InvitationDetail.as_view(),
         name="workspace-invitation"),
    path("invitations/accept/", api.InvitationAccept.as_view(), name="invitation-accept"),
]
