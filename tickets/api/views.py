"""The tickets API (SPEC §11): input serializer → one service → the ticket or the new row.

Every POST honours an Idempotency-Key header (SPEC §11, salon.api.idempotency).
Role rules on closed tickets (Manager only) live in the services, which raise
PermissionRefused (403); every view only needs a staff member.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from salon.api.filters import UpdatedSinceFilter
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsStaffMember
from salon.api.query import Choice, Id, Query, Text
from tickets import lifecycle, lines, payments, selectors, tips
from tickets.models import Payment, Ticket, TicketLine, TicketStatus, Tip

from .serializers import (
    LineAddSerializer,
    LineUpdateSerializer,
    PaymentAddSerializer,
    PaymentSerializer,
    ReasonSerializer,
    SettleSerializer,
    TicketClientSerializer,
    TicketLineSerializer,
    TicketOpenSerializer,
    TicketSerializer,
    TipAddSerializer,
    TipSerializer,
)


def tickets_for_output():
    """Tickets with totals annotated and lines (with items) and payments prefetched."""
    return selectors.ticket_list_with_totals(
        queryset=Ticket.objects.prefetch_related(
            Prefetch("lines", queryset=TicketLine.objects.select_related("item", "staff")),
            Prefetch("tips", queryset=Tip.objects.select_related("staff")),
            "payments",
        )
    )


def ticket_response(ticket: Ticket, *, status_code: int = status.HTTP_200_OK) -> Response:
    ticket = tickets_for_output().get(pk=ticket.pk)
    return Response(TicketSerializer(ticket).data, status=status_code)


def validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


TICKET_LIST_QUERY = Query(Choice("status", TicketStatus.values), Id("client"))
LINE_REMOVE_QUERY = Query(Text("reason", description="Instead of a body."))


@extend_schema_view(list=extend_schema(parameters=TICKET_LIST_QUERY.schema()))
class TicketViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Open, read, close, void and settle tickets (staff; closed tickets: Manager); set or
    change an open ticket's client (R48)."""

    permission_classes = [IsStaffMember]
    serializer_class = TicketSerializer
    filter_backends = [UpdatedSinceFilter]

    def get_queryset(self):
        tickets = tickets_for_output()
        if self.action != "list":
            return tickets
        query = TICKET_LIST_QUERY.read(self.request)
        wanted = {"status": query["status"], "client_id": query["client"]}
        return tickets.filter(**{name: value for name, value in wanted.items() if value})

    @extend_schema(request=TicketClientSerializer, responses={200: TicketSerializer})
    def partial_update(self, request, pk=None):
        ticket = lifecycle.ticket_set_client(
            ticket=self._ticket(pk),
            **validated(TicketClientSerializer, request),
        )
        return ticket_response(ticket)

    @extend_schema(
        request=TicketOpenSerializer,
        responses={201: TicketSerializer},
        examples=[
            OpenApiExample("For a client", value={"client": 12}, request_only=True),
            OpenApiExample("A walk-in", value={}, request_only=True),
        ],
    )
    def create(self, request):
        ticket = lifecycle.ticket_open(
            user=request.user, **validated(TicketOpenSerializer, request)
        )
        return ticket_response(ticket, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ticket = lifecycle.ticket_close(ticket=self._ticket(pk), user=request.user)
        return ticket_response(ticket)

    @extend_schema(request=ReasonSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        reason = validated(ReasonSerializer, request)["reason"]
        ticket = lifecycle.ticket_void(ticket=self._ticket(pk), user=request.user, reason=reason)
        return ticket_response(ticket)

    @extend_schema(request=SettleSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        payment = lifecycle.ticket_settle(
            ticket=self._ticket(pk), user=request.user, **validated(SettleSerializer, request)
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    def _ticket(self, pk) -> Ticket:
        return get_object_or_404(Ticket, pk=pk)


class TicketLinesView(IdempotentMixin, APIView):
    """POST a line on an open ticket (R30, R32)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=LineAddSerializer,
        responses={201: TicketLineSerializer},
        examples=[
            OpenApiExample("A haircut", value={"item": 3}, request_only=True),
            OpenApiExample(
                "Two, 10% off",
                value={"item": 7, "quantity": 2, "discount_percent": "10"},
                request_only=True,
            ),
        ],
    )
    def post(self, request, ticket_pk):
        ticket = get_object_or_404(Ticket, pk=ticket_pk)
        line = lines.ticket_add_line(ticket=ticket, **validated(LineAddSerializer, request))
        return Response(TicketLineSerializer(line).data, status=status.HTTP_201_CREATED)


class TicketLineDetailView(APIView):
    """PATCH or DELETE a line; once the ticket is closed: Manager, with a reason (R16)."""

    permission_classes = [IsStaffMember]

    def _line(self, ticket_pk, line_pk) -> TicketLine:
        return get_object_or_404(TicketLine, pk=line_pk, ticket_id=ticket_pk)

    @extend_schema(request=LineUpdateSerializer, responses={200: TicketLineSerializer})
    def patch(self, request, ticket_pk, line_pk):
        line = lines.ticket_update_line(
            line=self._line(ticket_pk, line_pk),
            user=request.user,
            **validated(LineUpdateSerializer, request),
        )
        return Response(TicketLineSerializer(line).data)

    @extend_schema(
        request=ReasonSerializer,
        responses={204: None},
        parameters=LINE_REMOVE_QUERY.schema(),
    )
    def delete(self, request, ticket_pk, line_pk):
        # Some HTTP clients can't send a body with DELETE: the reason may be ?reason=.
        given = LINE_REMOVE_QUERY.read(request)["reason"]
        reason = ReasonSerializer(data=request.data or ({} if given is None else {"reason": given}))
        reason.is_valid(raise_exception=True)
        lines.ticket_remove_line(
            line=self._line(ticket_pk, line_pk),
            user=request.user,
            reason=reason.validated_data["reason"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketPaymentsView(IdempotentMixin, APIView):
    """POST a cash, card, check or gift card payment on an open ticket (R30, R32)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=PaymentAddSerializer,
        responses={201: PaymentSerializer},
        examples=[
            OpenApiExample(
                "Card for the balance",
                value={"method": "card", "amount": "90.00"},
                request_only=True,
            )
        ],
    )
    def post(self, request, ticket_pk):
        ticket = get_object_or_404(Ticket, pk=ticket_pk)
        payment = payments.payment_add(
            ticket=ticket, user=request.user, **validated(PaymentAddSerializer, request)
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class TicketPaymentDetailView(APIView):
    """DELETE a payment of an open ticket; a points payment's points go back (R22)."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, ticket_pk, payment_pk):
        payment = get_object_or_404(Payment, pk=payment_pk, ticket_id=ticket_pk)
        payments.payment_remove(payment=payment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketTipsView(IdempotentMixin, APIView):
    """POST a tip on an open ticket (R45): 201 with the tip."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=TipAddSerializer, responses={201: TipSerializer})
    def post(self, request, ticket_pk):
        ticket = get_object_or_404(Ticket, pk=ticket_pk)
        tip = tips.tip_add(ticket=ticket, user=request.user, **validated(TipAddSerializer, request))
        return Response(TipSerializer(tip).data, status=status.HTTP_201_CREATED)


class TicketTipDetailView(APIView):
    """DELETE a tip of an open ticket (R45): 204."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, ticket_pk, tip_pk):
        tip = get_object_or_404(Tip, pk=tip_pk, ticket_id=ticket_pk)
        tips.tip_remove(tip=tip)
        return Response(status=status.HTTP_204_NO_CONTENT)
