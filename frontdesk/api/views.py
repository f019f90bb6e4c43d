"""Thin shells around frontdesk's composed reads: the Client Log (R28) and receipts (R49)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from frontdesk.api.serializers import (
    ClientLogSerializer,
    ReceiptSendSerializer,
    ReceiptSentSerializer,
    ReceiptSerializer,
)
from frontdesk.receipts import ticket_receipt
from frontdesk.selectors import client_log
from frontdesk.services import receipt_send
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsStaffMember
from salon.api.query import DateTime, Integer, Query
from tickets.models import Ticket

CLIENT_LOG_QUERY = Query(
    DateTime(
        "before",
        description="Only events strictly earlier than this (the previous page's `next_before`).",
    ),
    Integer("limit", minimum=1, maximum=200, default=50),
)


class ClientLogView(APIView):
    """The Client Log: rewards box and timeline, newest first; `?before=` pages back."""

    permission_classes = [IsStaffMember]

    @extend_schema(parameters=CLIENT_LOG_QUERY.schema(), responses=ClientLogSerializer)
    def get(self, request, client_id):
        client = get_object_or_404(Client, pk=client_id)
        query = CLIENT_LOG_QUERY.read(request)
        log = client_log(client=client, limit=query["limit"], before=query["before"])
        return Response(ClientLogSerializer(log, context={"request": request}).data)


class TicketReceiptView(APIView):
    """A closed or voided ticket's receipt (R49); an open ticket is 400 `ticket_still_open`."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        responses={
            200: ReceiptSerializer,
            400: OpenApiResponse(description="The ticket is still open (`ticket_still_open`)."),
        }
    )
    def get(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        return Response(ReceiptSerializer(ticket_receipt(ticket_id=ticket.pk)).data)


class TicketReceiptSendView(IdempotentMixin, APIView):
    """Queue the receipt by text or e-mail (R49): 202. Once per ticket and channel unless
    `resend: true`; a text needs the client's consent (400 `no_sms_consent`)."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=ReceiptSendSerializer, responses={202: ReceiptSentSerializer})
    def post(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        data = ReceiptSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sent = receipt_send(ticket=ticket, **data.validated_data)
        return Response(ReceiptSentSerializer(sent).data, status=status.HTTP_202_ACCEPTED)
