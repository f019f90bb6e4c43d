"""Client endpoints (SPEC §11): input serializer → one service → output serializer."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.serializers import (
    ClientFileSerializer,
    ClientFileUploadSerializer,
    ClientMergeSerializer,
    ClientSerializer,
)
from clients.merge import client_merge
from clients.models import Client, ClientFile
from clients.selectors import client_files, client_list
from clients.services import client_create, client_update
from clients.uploads import IMAGE_TYPES, client_file_delete, client_file_upload
from salon.api.filters import UpdatedSinceFilter
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser, IsStaffMember, require_permission
from salon.api.query import Boolean, Query, Text

CLIENT_LIST_QUERY = Query(
    Text("search", description="Name, e-mail or phone in any format."),
    Boolean("include_merged", description="Also merged tombstones."),
)


class ClientListCreateView(generics.ListCreateAPIView):
    """GET: staff list clients (`?search=` name or phone, R26; `?include_merged=true` adds
    tombstones). POST: staff add a client (R24)."""

    serializer_class = ClientSerializer
    permission_classes = [require_permission("clients.add_client", safe_methods_for_staff=True)]
    filter_backends = [DjangoFilterBackend, UpdatedSinceFilter]

    @extend_schema(parameters=CLIENT_LIST_QUERY.schema())
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = CLIENT_LIST_QUERY.read(self.request)
        return client_list(
            search=query["search"] or "", include_merged=bool(query["include_merged"])
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = client_create(**serializer.validated_data, created_by=request.user)
        output = self.get_serializer(client)
        return Response(output.data, status=status.HTTP_201_CREATED)


class ClientDetailView(generics.RetrieveUpdateAPIView):
    """GET: any staff member (a tombstone stays readable, R17). PATCH: `referred_by` may be
    set once (R25); a tombstone refuses every change."""

    serializer_class = ClientSerializer
    permission_classes = [require_permission("clients.change_client", safe_methods_for_staff=True)]
    http_method_names = ["get", "patch", "head", "options"]
    lookup_url_kwarg = "client_id"

    def get_queryset(self):
        return client_list(include_merged=True)

    def update(self, request, *args, **kwargs):
        client = self.get_object()
        serializer = self.get_serializer(client, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        client = client_update(client=client, changes=serializer.validated_data, user=request.user)
        return Response(self.get_serializer(client).data)


class ClientMergeView(IdempotentMixin, APIView):
    """POST {"duplicate": id}: merge that client into this one (R17, Manager) → the survivor."""

    permission_classes = [require_permission("clients.merge_client")]

    @extend_schema(request=ClientMergeSerializer, responses=ClientSerializer)
    def post(self, request, client_id: int):
        survivor = get_object_or_404(Client, pk=client_id)
        serializer = ClientMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survivor = client_merge(
            survivor=survivor, duplicate=serializer.validated_data["duplicate"], user=request.user
        )
        return Response(ClientSerializer(survivor, context={"request": request}).data)


class ClientFileListCreateView(generics.ListCreateAPIView):
    """GET: a client's files. POST (multipart `file`, `is_profile_photo`): upload (R27)."""

    permission_classes = [require_permission("clients.add_clientfile", safe_methods_for_staff=True)]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ClientFileSerializer

    def get_client(self) -> Client:
        return get_object_or_404(Client, pk=self.kwargs["client_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no client
            return ClientFile.objects.none()
        return client_files(client=self.get_client())

    @extend_schema(request=ClientFileUploadSerializer, responses={201: ClientFileSerializer})
    def post(self, request, client_id: int):
        client = self.get_client()
        serializer = ClientFileUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = client_file_upload(
            client=client,
            uploaded_file=serializer.validated_data["file"],
            is_profile_photo=serializer.validated_data["is_profile_photo"],
            user=request.user,
        )
        output = ClientFileSerializer(record, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ClientFileDetailView(generics.RetrieveDestroyAPIView):
    """GET: one file's details. DELETE: remove it (204)."""

    permission_classes = [
        require_permission("clients.delete_clientfile", safe_methods_for_staff=True)
    ]
    serializer_class = ClientFileSerializer
    lookup_url_kwarg = "file_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClientFile.objects.none()
        return ClientFile.objects.filter(client_id=self.kwargs["client_id"])

    def perform_destroy(self, instance):
        client_file_delete(file=instance, user=self.request.user)


# A stored file answers in its own type (R27: the accepted images and PDF), not a generic one.
FILE_RESPONSES = {
    (200, content_type): bytes
    for content_type in (*(image[0] for image in IMAGE_TYPES.values()), "application/pdf")
}


def _stream(record: ClientFile) -> FileResponse:
    # Through the storage API (local disk or S3 alike), never a public media URL (R27).
    response = FileResponse(
        record.file.open("rb"),
        content_type=record.content_type,
        as_attachment=record.kind != "image",
        filename=record.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ClientFileDownloadView(APIView):
    """The file's bytes, for signed-in staff only."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request, client_id: int, file_id: int):
        return _stream(get_object_or_404(ClientFile, pk=file_id, client_id=client_id))


class MyFileListView(generics.ListAPIView):
    """The signed-in client's own files (client app)."""

    permission_classes = [IsAuthenticated, IsClientUser]
    serializer_class = ClientFileSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ClientFile.objects.none()
        return client_files(client=self.request.user.client)


class MyFileDownloadView(APIView):
    """A file's bytes for the client who owns it; another client's file is 404 (SPEC §11)."""

    permission_classes = [IsAuthenticated, IsClientUser]

    @extend_schema(responses=FILE_RESPONSES)
    def get(self, request, file_id: int):
        return _stream(get_object_or_404(ClientFile, pk=file_id, client=request.user.client))
