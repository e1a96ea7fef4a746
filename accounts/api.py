"""Auth, workspace, member and invitation endpoints. Thin: parse, call one service or selector, answer."""
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services, tokens
from .throttles import LOGIN_THROTTLES
from .roles import Action
from .serializers import (AcceptSerializer, InvitationCreatedSerializer, InvitationCreateSerializer,
                          InvitationSerializer, MemberSerializer, RoleSerializer, WorkspaceCreateSerializer,
                          WorkspaceSerializer)


class ObtainToken(APIView):
    """Exchange username and password for an API token (header `Authorization: Token <t>`).

    Each call makes a new token named "login" that lasts API_TOKEN_DAYS (accounts.tokens)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(request=AuthTokenSerializer,
                   responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
                   description="Attempts are limited per address and per account name (429 with Retry-After).")
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        _, secret = tokens.token_for_login(user=serializer.validated_data["user"])
        return Response({"token": secret})


class Me(APIView):
    @extend_schema(responses=inline_serializer("Me", {"id": serializers.IntegerField(),
                                                      "username": serializers.CharField(),
                                                      "personal_workspace": serializers.IntegerField()}))
    def get(self, request):
        return Response({"id": request.user.pk, "username": request.user.get_username(),
                         "personal_workspace": selectors.personal_workspace(request.user).pk})


class WorkspaceList(APIView):
    @extend_schema(responses=WorkspaceSerializer(many=True))
    def get(self, request):
        selectors.personal_workspace(request.user)
        return Response(WorkspaceSerializer(selectors.workspaces_for(request.user), many=True).data)

    @extend_schema(request=WorkspaceCreateSerializer, responses={201: WorkspaceSerializer})
    def post(self, request):
        data = WorkspaceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ws = services.workspace_create(user=request.user, name=data.validated_data["name"])
        return Response(WorkspaceSerializer(selectors.workspace_get(request.user, ws.pk)).data,
                        status=status.HTTP_201_CREATED)


class WorkspaceDetail(APIView):
    @extend_schema(responses=WorkspaceSerializer)
    def get(self, request, pk):
        return Response(WorkspaceSerializer(selectors.workspace_get(request.user, pk)).data)

    @extend_schema(request=WorkspaceCreateSerializer, responses=WorkspaceSerializer)
    def patch(self, request, pk):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = WorkspaceCreateSerializer(data=request.data, partial=True)  # an empty body changes nothing
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            services.workspace_update(workspace=ws, name=data.validated_data["name"])
        return Response(WorkspaceSerializer(selectors.workspace_get(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.workspace_delete(workspace=selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberList(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, pk):
        ws = selectors.workspace_get(request.user, pk)
        return Response(MemberSerializer(selectors.members_of(ws), many=True).data)


def _membership(workspace, user_id):
    membership = selectors.members_of(workspace).filter(user_id=user_id).first()
    if membership is None:
        raise Http404("no such member")
    return membership


class MemberDetail(APIView):
    @extend_schema(request=RoleSerializer, responses=MemberSerializer)
    def patch(self, request, pk, user_id):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = RoleSerializer(data=request.data, partial=True)  # an empty body changes nothing
        data.is_valid(raise_exception=True)
        membership = _membership(ws, user_id)
        if "role" in data.validated_data:
            membership = services.member_set_role(workspace=ws, membership=membership,
                                                  role=data.validated_data["role"])
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None}, description="Remove a member (admins), or leave (yourself).")
    def delete(self, request, pk, user_id):
        action = Action.VIEW if int(user_id) == request.user.pk else Action.MANAGE_MEMBERS
        ws = selectors.workspace_get(request.user, pk, action)
        services.member_remove(workspace=ws, membership=_membership(ws, user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationList(APIView):
    @extend_schema(responses=InvitationSerializer(many=True))
    def get(self, request, pk):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        return Response(InvitationSerializer(ws.invitations.select_related("created_by", "accepted_by"),
                                             many=True).data)

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationCreatedSerializer},
                   description="An invite link for a role. Its key is shown once; send the `url` to the person.")
    def post(self, request, pk):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inv, key = services.invitation_create(workspace=ws, created_by=request.user, **data.validated_data)
        body = InvitationCreatedSerializer(inv).data
        body.update(key=key, url=request.build_absolute_uri(reverse("invitation-page", args=[key])))
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationDetail(APIView):
    @extend_schema(responses={204: None}, description="Revoke an invitation that was not used yet.")
    def delete(self, request, pk, invitation_id):
        ws = selectors.workspace_get(request.user, pk, Action.MANAGE_MEMBERS)
        inv = ws.invitations.filter(pk=invitation_id).first()
        if inv is None:
            raise Http404("no such invitation")
        services.invitation_revoke(invitation=inv)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAccept(APIView):
    @extend_schema(request=AcceptSerializer, responses={200: MemberSerializer})
    def post(self, request):
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(key=data.validated_data["key"], user=request.user)
        return Response({**MemberSerializer(membership).data, "workspace": membership.workspace_id})
