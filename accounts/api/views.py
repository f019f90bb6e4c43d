from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import TokenRequestSerializer, TokenSerializer
from accounts.services import auth_token_create
from salon.api.throttling import ScopedRateThrottle


class TokenCreateView(APIView):
    """Sign in: exchange a username (e-mail address for client-app users) and password for
    an API token (SPEC §11)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="Wrong credentials.")},
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = auth_token_create(**serializer.validated_data, request=request)
        return Response(TokenSerializer({"token": token}).data)


class LogoutView(KnoxLogoutView):
    """Sign out: the token used for this request stops working."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    """Sign out everywhere: every token of this user stops working."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)
