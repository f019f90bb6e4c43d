"""Client API shapes (SPEC §11). Input is validated here, rules live in clients.services."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client, ClientFile
from clients.selectors import client_profile_photo
from clients.services import EDITABLE_FIELDS


class PhoneField(serializers.CharField):
    """A phone as typed; clients.services parses and validates it into E.164 (R24)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.as_e164 if hasattr(value, "as_e164") else str(value)


def protected_file_url(*, request, file: ClientFile) -> str:
    """The URL of the view that streams a client's file to whoever may see it (R27): staff get
    the staff path, the owning client user the /me/ path. Never a public media URL."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.is_staff:
        path = reverse("me-file-download", kwargs={"file_id": file.pk})
    else:
        path = reverse(
            "client-file-download", kwargs={"client_id": file.client_id, "file_id": file.pk}
        )
    return request.build_absolute_uri(path) if request is not None else path


class ClientSerializer(serializers.ModelSerializer):
    """A client as staff and the client's own app see it (SPEC §11). Use it for input
    validation, then call client_create / client_update with `validated_data`."""

    phone = PhoneField()
    referred_by = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.all(), allow_null=True, required=False
    )
    profile_photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Client
        # What staff may set is the services' list; the rest is read-only (SPEC §11).
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "source",
            "referral_code",
            "merged_into",
            "profile_photo_url",
            "created_at",
            "updated_at",
        ]
        # R77: source is set by the system (desk: front_desk, sign-up: app) and decides the
        # online sign-up points, so no API user sets it.
        read_only_fields = [
            "id",
            "source",
            "referral_code",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        validators = []  # uniqueness among active clients is the service's rule (R24)

    # null when the client has no profile photo (the schema says so: found by API fuzzing).
    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_profile_photo_url(self, client: Client) -> str | None:
        photo = client_profile_photo(client=client)
        if photo is None:
            return None
        return protected_file_url(request=self.context.get("request"), file=photo)


class ClientSelfSerializer(ClientSerializer):
    """The client's own record in the client app (/api/v1/me/): staff-only fields read-only."""

    class Meta(ClientSerializer.Meta):
        read_only_fields = [*ClientSerializer.Meta.read_only_fields, "notes"]


class ClientFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ClientFile
        fields = [
            "id",
            "original_name",
            "content_type",
            "kind",
            "size",
            "is_profile_photo",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, file: ClientFile) -> str:
        return protected_file_url(request=self.context.get("request"), file=file)


class ClientFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    is_profile_photo = serializers.BooleanField(default=False)


class ClientMergeSerializer(serializers.Serializer):
    duplicate = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
