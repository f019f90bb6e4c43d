"""A thin shell: input serializer → one service or selector → output serializer (SPEC §11)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from loyalty import selectors
from loyalty.adjustments import points_adjust
from loyalty.api import serializers
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.controls import ticket_redeemable
from loyalty.models import EarningRule, PointsEntry
from loyalty.redemption import points_redeem
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser, IsStaffMember, require_permission
from tickets.models import Ticket

CanChangeRules = require_permission("loyalty.change_earningrule", safe_methods_for_staff=True)
CanChangeSettings = require_permission(
    "loyalty.change_loyaltysettings", safe_methods_for_staff=True
)


class EarningRuleListView(APIView):
    """The 16 earning rules, as one plain list (SPEC §11)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=serializers.EarningRuleSerializer(many=True))
    def get(self, request):
        rules = selectors.earning_rules_get()
        return Response(serializers.EarningRuleSerializer(rules, many=True).data)


class EarningRuleDetailView(APIView):
    permission_classes = [CanChangeRules]

    @extend_schema(responses=serializers.EarningRuleSerializer)
    def get(self, request, action):
        rule = _rule_or_404(action)
        return Response(serializers.EarningRuleSerializer(rule).data)

    @extend_schema(
        request=serializers.EarningRuleChangeSerializer,
        responses=serializers.EarningRuleSerializer,
    )
    def patch(self, request, action):
        _rule_or_404(action)
        changes = serializers.EarningRuleChangeSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        rule = earning_rule_update(
            action=action, changes=dict(changes.validated_data), user=request.user
        )
        return Response(serializers.EarningRuleSerializer(rule).data)


def _rule_or_404(action: str):
    try:
        return selectors.earning_rule_get(action=action)
    except EarningRule.DoesNotExist:
        raise Http404 from None


class LoyaltySettingsView(APIView):
    permission_classes = [CanChangeSettings]

    @extend_schema(responses=serializers.LoyaltySettingsSerializer)
    def get(self, request):
        return Response(
            serializers.LoyaltySettingsSerializer(selectors.loyalty_settings_get()).data
        )

    @extend_schema(
        request=serializers.LoyaltySettingsChangeSerializer,
        responses=serializers.LoyaltySettingsSerializer,
    )
    def patch(self, request):
        changes = serializers.LoyaltySettingsChangeSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        settings_row = loyalty_settings_update(
            changes=dict(changes.validated_data), user=request.user
        )
        return Response(serializers.LoyaltySettingsSerializer(settings_row).data)


class AdjustmentCreateView(IdempotentMixin, APIView):
    """A Manager's manual points adjustment, with a reason (R15, §10)."""

    permission_classes = [require_permission("loyalty.adjust_points")]

    @extend_schema(
        request=serializers.AdjustmentSerializer, responses={201: serializers.PointsEntrySerializer}
    )
    def post(self, request):
        data = serializers.AdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = Client.objects.filter(pk=data.validated_data["client"]).first()
        if client is None:
            return Response({"client": ["No such client."]}, status=status.HTTP_400_BAD_REQUEST)
        entry = points_adjust(
            client=client,
            points=data.validated_data["points"],
            reason=data.validated_data["reason"],
            user=request.user,
            expires_on=data.validated_data.get("expires_on"),
            never_expires=data.validated_data["never_expires"],
        )
        return Response(
            serializers.PointsEntrySerializer(entry).data, status=status.HTTP_201_CREATED
        )


def _rewards_response(client: Client) -> Response:
    summary = selectors.client_rewards_summary(client=client)
    return Response(serializers.RewardsSerializer(summary).data)


class ClientRewardsView(APIView):
    """The rewards box of one client (R28): pending, redeemable, value, can_redeem."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=serializers.RewardsSerializer)
    def get(self, request, client_id):
        summary = selectors.client_rewards_summary_by_id(client_id=client_id)
        if summary is None:
            raise Http404
        return Response(serializers.RewardsSerializer(summary).data)


class ClientRewardsEntriesView(generics.ListAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = serializers.PointsEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PointsEntry.objects.none()
        client = get_object_or_404(Client, pk=self.kwargs["client_id"])
        return selectors.client_points_entries(client=client)


class MyRewardsView(APIView):
    permission_classes = [IsClientUser]

    @extend_schema(responses=serializers.RewardsSerializer)
    def get(self, request):
        return _rewards_response(request.user.client)


class MyRewardsEntriesView(generics.ListAPIView):
    permission_classes = [IsClientUser]
    serializer_class = serializers.PointsEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PointsEntry.objects.none()
        return selectors.client_points_entries(client=self.request.user.client)


class TicketRedeemView(IdempotentMixin, APIView):
    """Pay part of an open ticket with points (R19-R23); 201 with the points payment."""

    permission_classes = [require_permission("loyalty.redeem_points")]

    @extend_schema(
        request=serializers.RedeemSerializer, responses={201: serializers.PointsPaymentSerializer}
    )
    def post(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        data = serializers.RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = points_redeem(
            ticket=ticket, points=data.validated_data["points"], user=request.user
        )
        return Response(
            serializers.PointsPaymentSerializer(payment).data, status=status.HTTP_201_CREATED
        )


class TicketRedeemableView(APIView):
    """How many points the ticket's client may redeem on it now, and why not more (R57)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=serializers.RedeemableSerializer)
    def get(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        return Response(serializers.RedeemableSerializer(ticket_redeemable(ticket=ticket)).data)
