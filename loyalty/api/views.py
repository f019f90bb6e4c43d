"""A thin shell: input serializer → one service or selector → output serializer (SPEC §11)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client
from loyalty import promotions, rewards_box, selectors, tier_table, tiers
from loyalty.adjustments import points_adjust
from loyalty.api import serializers
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.controls import ticket_redeemable
from loyalty.errors import ReportFormatUnknown
from loyalty.models import EarningRule, PointsEntry, Promotion, Tier
from loyalty.otp import redemption_code_send
from loyalty.redemption import points_redeem
from loyalty.reports import TABLES as REPORT_TABLES
from loyalty.reports import loyalty_report, report_csv, report_period
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


# One serializer renders every rewards box: DRF deep-copies a serializer's declared fields
# each time one is made, 0.18 ms of the hot read's Python against 0.02 ms to render with
# fields bound once (P1, docs/performance.md "P1, fourth pass"). It holds no request state.
_REWARDS_BOX = serializers.RewardsSerializer()


def _rewards_response(client: Client) -> Response:
    summary = tiers.rewards_with_tier(
        rewards_box.client_rewards_summary(client=client, with_tier_standing=True),
        client_id=client.pk,
    )
    return Response(_REWARDS_BOX.to_representation(summary))


class ClientRewardsView(APIView):
    """The rewards box of one client (R28): pending, redeemable, value, can_redeem."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=serializers.RewardsSerializer)
    def get(self, request, client_id):
        summary = rewards_box.client_rewards_summary_by_id(
            client_id=client_id, with_tier_standing=True
        )
        if summary is None:
            raise Http404
        summary = tiers.rewards_with_tier(summary, client_id=client_id)
        return Response(_REWARDS_BOX.to_representation(summary))


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
        request=serializers.RedeemSerializer,
        responses={201: serializers.PointsPaymentSerializer},
        examples=[OpenApiExample("500 points ($5.00)", value={"points": 500}, request_only=True)],
    )
    def post(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        data = serializers.RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = points_redeem(
            ticket=ticket,
            points=data.validated_data["points"],
            user=request.user,
            code=data.validated_data.get("code"),
        )
        return Response(
            serializers.PointsPaymentSerializer(payment).data, status=status.HTTP_201_CREATED
        )


CanChangeTiers = require_permission("loyalty.change_tier", safe_methods_for_staff=True)
CanChangePromotions = require_permission("loyalty.change_promotion", safe_methods_for_staff=True)


class TierListView(APIView):
    """The tiers (R61), lowest first; Managers add them."""

    permission_classes = [CanChangeTiers]

    @extend_schema(responses=serializers.TierSerializer(many=True))
    def get(self, request):
        return Response(serializers.TierSerializer(Tier.objects.all(), many=True).data)

    @extend_schema(
        request=serializers.TierChangeSerializer, responses={201: serializers.TierSerializer}
    )
    def post(self, request):
        data = serializers.TierChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tier = tier_table.tier_save(changes=dict(data.validated_data), user=request.user)
        return Response(serializers.TierSerializer(tier).data, status=status.HTTP_201_CREATED)


class TierDetailView(APIView):
    permission_classes = [CanChangeTiers]

    @extend_schema(responses=serializers.TierSerializer)
    def get(self, request, tier_id):
        return Response(serializers.TierSerializer(get_object_or_404(Tier, pk=tier_id)).data)

    @extend_schema(request=serializers.TierChangeSerializer, responses=serializers.TierSerializer)
    def patch(self, request, tier_id):
        tier = get_object_or_404(Tier, pk=tier_id)
        data = serializers.TierChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tier = tier_table.tier_save(tier=tier, changes=dict(data.validated_data), user=request.user)
        return Response(serializers.TierSerializer(tier).data)

    @extend_schema(responses={204: None})
    def delete(self, request, tier_id):
        tier_table.tier_delete(tier=get_object_or_404(Tier, pk=tier_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PromotionListView(APIView):
    """Promotions (R62), by first day; Managers add them."""

    permission_classes = [CanChangePromotions]

    @extend_schema(responses=serializers.PromotionSerializer(many=True))
    def get(self, request):
        queryset = Promotion.objects.prefetch_related("tiers")
        return Response(serializers.PromotionSerializer(queryset, many=True).data)

    @extend_schema(
        request=serializers.PromotionChangeSerializer,
        responses={201: serializers.PromotionSerializer},
    )
    def post(self, request):
        data = serializers.PromotionChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        promotion = promotions.promotion_save(changes=dict(data.validated_data), user=request.user)
        return Response(
            serializers.PromotionSerializer(promotion).data, status=status.HTTP_201_CREATED
        )


class PromotionDetailView(APIView):
    permission_classes = [CanChangePromotions]

    @extend_schema(responses=serializers.PromotionSerializer)
    def get(self, request, promotion_id):
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        return Response(serializers.PromotionSerializer(promotion).data)

    @extend_schema(
        request=serializers.PromotionChangeSerializer, responses=serializers.PromotionSerializer
    )
    def patch(self, request, promotion_id):
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        data = serializers.PromotionChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        promotion = promotions.promotion_save(
            promotion=promotion, changes=dict(data.validated_data), user=request.user
        )
        return Response(serializers.PromotionSerializer(promotion).data)

    @extend_schema(responses={204: None})
    def delete(self, request, promotion_id):
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        promotions.promotion_delete(promotion=promotion, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientTierView(IdempotentMixin, APIView):
    """A Manager places a client in a tier by hand, with a reason (R61); answers the
    client's rewards box."""

    permission_classes = [require_permission("loyalty.place_client_tier")]

    @extend_schema(
        request=serializers.ClientTierPlaceSerializer, responses=serializers.RewardsSerializer
    )
    def post(self, request, client_id):
        client = get_object_or_404(Client, pk=client_id)
        data = serializers.ClientTierPlaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tier = None
        if data.validated_data["tier"] is not None:
            tier = Tier.objects.filter(pk=data.validated_data["tier"]).first()
            if tier is None:
                return Response({"tier": ["No such tier."]}, status=status.HTTP_400_BAD_REQUEST)
        tiers.client_tier_place(
            client=client, tier=tier, reason=data.validated_data["reason"], user=request.user
        )
        return _rewards_response(client)


class TicketRedeemableView(APIView):
    """How many points the ticket's client may redeem on it now, and why not more (R57)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=serializers.RedeemableSerializer)
    def get(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        return Response(serializers.RedeemableSerializer(ticket_redeemable(ticket=ticket)).data)


class TicketRedemptionCodeView(IdempotentMixin, APIView):
    """Text the ticket's client a 6-digit code to redeem with (R57); 202, queued."""

    permission_classes = [require_permission("loyalty.redeem_points")]

    @extend_schema(request=None, responses={202: serializers.RedemptionCodeSentSerializer})
    def post(self, request, ticket_id):
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        row = redemption_code_send(ticket=ticket)
        return Response(
            serializers.RedemptionCodeSentSerializer(
                {"sent": True, "expires_at": row.expires_at}
            ).data,
            status=status.HTTP_202_ACCEPTED,
        )


class CSVRenderer(BaseRenderer):
    """`?format=csv` is DRF's format override: this renderer answers it with the table's text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset)


class ReportNegotiation(DefaultContentNegotiation):
    """An unknown `format` is bad input (400 with its code), not DRF's 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) not in (None, "json", "csv"):
            raise ReportFormatUnknown()
        return super().select_renderer(request, renderers, format_suffix)


class LoyaltyReportView(APIView):
    """The owner's report (R81), Manager only; `format=csv&table=<key>` answers one table."""

    permission_classes = [require_permission("loyalty.change_loyaltysettings")]
    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = ReportNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("table", str, enum=list(REPORT_TABLES)),
        ],
        responses=serializers.LoyaltyReportSerializer,
    )
    def get(self, request):
        period = report_period(
            start=request.query_params.get("from"), end=request.query_params.get("to")
        )
        report = loyalty_report(period=period)
        if request.accepted_renderer.format == "csv":
            table = request.query_params.get("table", "")
            return Response(report_csv(report=report, table=table))
        return Response(serializers.LoyaltyReportSerializer(report).data)

    def finalize_response(self, request, response, *args, **kwargs):
        # A refusal is answered as JSON with its code, even when a CSV table was asked for.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
