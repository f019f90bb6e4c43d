"""A thin shell around frontdesk.selectors.client_log (R28)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from frontdesk.api.serializers import ClientLogQuerySerializer, ClientLogSerializer
from frontdesk.selectors import client_log
from salon.api.permissions import IsStaffMember


class ClientLogView(APIView):
    """The Client Log: rewards box and timeline, newest first; `?before=` pages back."""

    permission_classes = [IsStaffMember]

    @extend_schema(parameters=[ClientLogQuerySerializer], responses=ClientLogSerializer)
    def get(self, request, client_id):
        client = get_object_or_404(Client, pk=client_id)
        query = ClientLogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        log = client_log(
            client=client,
            limit=query.validated_data["limit"],
            before=query.validated_data.get("before"),
        )
        return Response(ClientLogSerializer(log, context={"request": request}).data)
