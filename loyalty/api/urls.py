from django.urls import path

from loyalty.api import views

urlpatterns = [
    path("loyalty/rules/", views.EarningRuleListView.as_view(), name="loyalty-rules"),
    path(
        "loyalty/rules/<str:action>/",
        views.EarningRuleDetailView.as_view(),
        name="loyalty-rule-detail",
    ),
    path("loyalty/settings/", views.LoyaltySettingsView.as_view(), name="loyalty-settings"),
    path("loyalty/adjustments/", views.AdjustmentCreateView.as_view(), name="loyalty-adjustments"),
    path(
        "clients/<id:client_id>/rewards/",
        views.ClientRewardsView.as_view(),
        name="client-rewards",
    ),
    path(
        "clients/<id:client_id>/rewards/entries/",
        views.ClientRewardsEntriesView.as_view(),
        name="client-rewards-entries",
    ),
    path("tickets/<id:ticket_id>/redeem/", views.TicketRedeemView.as_view(), name="ticket-redeem"),
    path(
        "tickets/<id:ticket_id>/redeemable/",
        views.TicketRedeemableView.as_view(),
        name="ticket-redeemable",
    ),
    path("me/rewards/", views.MyRewardsView.as_view(), name="my-rewards"),
    path("loyalty/tiers/", views.TierListView.as_view(), name="loyalty-tiers"),
    path("loyalty/tiers/<id:tier_id>/", views.TierDetailView.as_view(), name="loyalty-tier"),
    path("loyalty/promotions/", views.PromotionListView.as_view(), name="loyalty-promotions"),
    path(
        "loyalty/promotions/<id:promotion_id>/",
        views.PromotionDetailView.as_view(),
        name="loyalty-promotion",
    ),
    path("clients/<id:client_id>/tier/", views.ClientTierView.as_view(), name="client-tier"),
    path("me/rewards/entries/", views.MyRewardsEntriesView.as_view(), name="my-rewards-entries"),
    path("reports/loyalty/", views.LoyaltyReportView.as_view(), name="reports-loyalty"),
]
