"""Baselines measured in the same run as the app (absolute times here are noise)."""

from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from salon.api.permissions import IsStaffMember


class ConstantView(APIView):
    """B1: the API's authentication and permission classes, then a constant."""

    permission_classes = [IsStaffMember]

    def get(self, request, client_id):
        return Response({"ok": True})


class PrimaryKeyGetView(APIView):
    """B2 over HTTP: the same, plus one primary-key get()."""

    permission_classes = [IsStaffMember]

    def get(self, request, client_id):
        client = Client.objects.get(pk=client_id)
        return Response({"id": client.pk})
