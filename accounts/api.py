from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class ObtainToken(APIView):
    """Exchange username and password for an API token (header `Authorization: Token <t>`)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=AuthTokenSerializer,
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class Me(APIView):
    @extend_schema(responses=inline_serializer("Me", {"id": serializers.IntegerField(),
                                                      "username": serializers.CharField()}))
    def get(self, request):
        return Response({"id": request.user.pk, "username": request.user.get_username()})
