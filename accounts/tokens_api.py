"""The logged-in user's API tokens: list, create (named, expiring), revoke. Thin: parse, call accounts.tokens."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .models import ApiToken


class TokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="token_key", read_only=True,
                                   help_text="The token's first characters, to tell tokens apart.")
    expires_at = serializers.DateTimeField(source="expiry", read_only=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)
    current = serializers.SerializerMethodField(help_text="True for the token this request was sent with.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == obj.pk


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(min_value=1, max_value=tokens.MAX_DAYS, default=90,
                                    help_text="How long the token lasts, 1-365 days.")


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only its digest is stored.")

    class Meta(TokenSerializer.Meta):
        fields = TokenSerializer.Meta.fields + ["token"]
        read_only_fields = fields


class TokenList(APIView):
    @extend_schema(responses=TokenSerializer(many=True), description="Your tokens that have not expired.")
    def get(self, request):
        return Response(TokenSerializer(tokens.tokens_of(request.user), many=True,
                                        context={"request": request}).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenCreatedSerializer})
    def post(self, request):
        data = TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = tokens.token_create(user=request.user, **data.validated_data)
        body = TokenCreatedSerializer(token, context={"request": request}).data
        body["token"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetail(APIView):
    @extend_schema(responses={204: None}, description="Revoke one of your tokens (it stops working at once).")
    def delete(self, request, token_id):
        tokens.token_revoke(user=request.user, pk=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
