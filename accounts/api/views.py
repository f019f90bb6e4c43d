from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    EmailVerifySerializer,
    SignupSerializer,
    SignupVerifySerializer,
    TokenRequestSerializer,
    TokenSerializer,
    VerificationRequiredSerializer,
)
from accounts.services import (
    auth_token_create,
    client_email_verify,
    client_self_update,
    client_signup,
    client_signup_verify,
)
from clients.api.serializers import ClientSelfSerializer
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser
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
        examples=[
            OpenApiExample(
                "A client-app user",
                value={"username": "chloe.diaz@example.com", "password": "salon-client-demo"},
                request_only=True,
            ),
            OpenApiExample(
                "Signed in",
                value={"token": "6f1c…", "expiry": "2026-12-30T09:00:00-05:00"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, expiry = auth_token_create(**serializer.validated_data, request=request)
        return Response(TokenSerializer({"token": token, "expiry": expiry}).data)


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


class SignupView(IdempotentMixin, APIView):
    """Sign up in the client app. A new phone → 201 with the new client (source `app`) and
    its login. A phone an existing client holds (without a login) → 202: a 6-digit code is
    texted to it; finish with /signup/verify/."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(
        request=SignupSerializer,
        responses={201: ClientSelfSerializer, 202: VerificationRequiredSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "Referred by a friend",
                value={
                    "first_name": "Bo",
                    "last_name": "Ray",
                    "phone": "(202) 555-0199",
                    "email": "bo@example.com",
                    "password": "a-long-enough-secret",
                    "referral_code": "K7Q2M9XD",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = client_signup(**serializer.validated_data)
        if client is None:
            return Response({"verification_required": True}, status=status.HTTP_202_ACCEPTED)
        output = ClientSelfSerializer(client, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class SignupVerifyView(IdempotentMixin, APIView):
    """Finish a sign-up with the texted code: the new login is linked to the existing
    client (codes last 10 minutes, 5 tries, single use)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup_verify"

    @extend_schema(request=SignupVerifySerializer, responses={201: ClientSelfSerializer}, auth=[])
    def post(self, request):
        serializer = SignupVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = client_signup_verify(**serializer.validated_data)
        output = ClientSelfSerializer(client, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in client's own record (client app): the fields of /clients/{id}/;
    `referred_by` may be set once (R25); notes and source are the salon's. A new e-mail
    address changes nothing yet: a 6-digit code is e-mailed to it, and
    POST /api/v1/me/email/verify/ makes it the address and the username (R77)."""

    permission_classes = [IsClientUser]
    serializer_class = ClientSelfSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user.client

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        client = client_self_update(user=request.user, changes=serializer.validated_data)
        return Response(self.get_serializer(client).data)


class MeEmailVerifyView(APIView):
    """Confirm a new e-mail address with the code e-mailed to it (R77): 200 with the record,
    the address now also the username. 10 minutes, 5 tries; the latest code counts."""

    permission_classes = [IsClientUser]

    @extend_schema(request=EmailVerifySerializer, responses={200: ClientSelfSerializer})
    def post(self, request):
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = client_email_verify(user=request.user, code=serializer.validated_data["code"])
        return Response(ClientSelfSerializer(client, context={"request": request}).data)
