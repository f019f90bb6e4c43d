"""Admin authorization sweep (SPEC §10): every admin page of our apps (changelist, add,
change, delete, history, and the custom loyalty pages) as anonymous, Client A, Front desk
and Manager. The registered models are discovered from admin.site: a new one without an
expectation fails the sweep.

Anonymous and client-app users are sent to the login page. Staff pages answer per role:
Front desk doesn't see the rewards configuration, the loyalty settings or the features
(403; the API still lets staff GET them); the ledger, messages and adjustments are
read-only for everyone (R14)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from accounts.models import PhoneVerification
from catalog.services import tax_rate_create
from frontdesk.services import receipt_send
from loyalty.adjustments import points_adjust
from loyalty.models import EarningRule, LoyaltySettings, Promotion, Tier
from loyalty.tiers import client_tier_place
from salon.models import Features, SalonSettings
from tests.appointments.factories import AppointmentFactory, ProductReservationFactory
from tests.clients.factories import ClientFactory
from tests.feedback.factories import FeedbackFactory
from tests.messaging.factories import InboundMessageFactory, OptOutFactory
from tests.tickets.factories import closed_ticket, ticket_with_lines
from tickets.lines import ticket_update_line

OUR_APPS = {
    "salon", "accounts", "clients", "catalog", "messaging",
    "appointments", "tickets", "feedback", "loyalty", "frontdesk",
}  # fmt: skip
VIEWS = ("changelist", "add", "change", "delete", "history")

# (Front desk, Manager) per admin page of each model.
ADMIN = {
    "salon.Features": {
        "changelist": (302, 302),  # one row: straight to its page (403 there for Front desk)
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
    "salon.SalonSettings": {
        "changelist": (302, 302),  # one row: straight to its page (403 there for Front desk)
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
    "catalog.TaxRate": dict.fromkeys(VIEWS, (403, 200)),
    "frontdesk.ReceiptEmail": {
        "changelist": (200, 200),
        "add": (403, 403),
        "change": (200, 200),  # read-only: the e-mail outbox
        "delete": (403, 403),
        "history": (200, 200),
    },
    "accounts.User": dict.fromkeys(VIEWS, (403, 200)),
    "accounts.PhoneVerification": {
        "changelist": (403, 200),
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
    "clients.Client": {
        "changelist": (200, 200),
        "add": (200, 200),
        "change": (200, 200),
        "delete": (403, 200),
        "history": (200, 200),
    },
    "catalog.Item": {
        "changelist": (200, 200),
        "add": (403, 200),
        "change": (200, 200),
        "delete": (403, 200),
        "history": (200, 200),
    },
    "messaging.Message": {
        "changelist": (200, 200),
        "add": (403, 403),
        "change": (200, 200),
        "delete": (403, 403),
        "history": (200, 200),
    },
    "messaging.OptOut": {
        "changelist": (200, 200),
        "add": (403, 403),
        "change": (200, 200),
        "delete": (403, 403),
        "history": (200, 200),
    },
    **{
        label: {
            "changelist": (200, 200),
            "add": (200, 200),
            "change": (200, 200),
            "delete": (403, 403),
            "history": (200, 200),
        }
        for label in (
            "appointments.Appointment",
            "appointments.ProductReservation",
            "tickets.Ticket",
            "feedback.Feedback",
        )
    },
    "tickets.TicketAdjustment": {
        "changelist": (200, 200),
        "add": (403, 403),
        "change": (200, 200),
        "delete": (403, 403),
        "history": (200, 200),
    },
    "loyalty.EarningRule": {
        "changelist": (403, 200),  # the rules table
        "add": (403, 403),
        "change": (302, 302),  # a rule is edited in the table (403 there for Front desk)
        "delete": (403, 403),
        "history": (403, 200),
    },
    "loyalty.LoyaltySettings": {
        "changelist": (302, 302),  # straight to the single row (403 there for Front desk)
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
    "loyalty.PointsEntry": {
        "changelist": (200, 200),
        "add": (403, 403),
        "change": (200, 200),  # read-only (R14)
        "delete": (403, 403),
        "history": (200, 200),
    },
    # Tiers and promotions: the desk reads them, a Manager keeps them (R61, R62).
    "loyalty.Tier": {
        "changelist": (200, 200),
        "add": (403, 200),
        "change": (200, 200),
        "delete": (403, 200),
        "history": (200, 200),
    },
    "loyalty.Promotion": {
        "changelist": (200, 200),
        "add": (403, 200),
        "change": (200, 200),
        "delete": (403, 200),
        "history": (200, 200),
    },
    # Placements and their audit: read-only lists for a Manager (placing has its own page).
    "loyalty.ClientTier": {
        "changelist": (403, 200),
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
    "loyalty.TierChange": {
        "changelist": (403, 200),
        "add": (403, 403),
        "change": (403, 200),
        "delete": (403, 403),
        "history": (403, 200),
    },
}

# The admin's own pages beyond the model views: (Front desk, Manager).
CUSTOM = {
    "loyalty_points_adjust": (None, (403, 200)),
    "loyalty_redeem_points": ("open_ticket", (200, 200)),
    "loyalty_client_rewards": ("client", (200, 200)),
    "loyalty_notices_preview": (None, (403, 200)),
    "loyalty_clienttier_place": ("client", (403, 200)),
    # R82: django-import-export's pages, the Manager's. The confirmation is POST only
    # (the library's require_POST answers a GET before any permission check).
    "clients_client_import": (None, (403, 200)),
    "clients_client_process_import": (None, (405, 405)),
    "clients_client_export": (None, (403, 200)),
    "loyalty_pointsentry_export": (None, (403, 200)),
}


@pytest.fixture
def rows(db, all_features, manager):
    """One row of every model, and the custom pages' objects."""
    client = ClientFactory()
    closed = closed_ticket("100.00", client=client)
    ticket_update_line(
        line=closed.lines.get(), user=manager, unit_price=Decimal("80.00"), reason="fix"
    )
    open_ticket = ticket_with_lines("50.00", client=client)
    AppointmentFactory(client=client)
    ProductReservationFactory(client=client)
    FeedbackFactory(client=client, ticket=closed)
    points_adjust(client=client, points=5, reason="welcome", user=manager)
    InboundMessageFactory()
    OptOutFactory()
    PhoneVerification.objects.create(
        client=client,
        phone="+12025550143",
        code_hash="x",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    gold = Tier.objects.create(
        name="Gold", min_spend=Decimal("2500.00"), keep_spend=Decimal("2500.00")
    )
    Promotion.objects.create(
        name="Double week",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        actions=["service_purchase"],
        multiplier=Decimal("2.00"),
    )
    client_tier_place(client=client, tier=gold, reason="VIP", user=manager)
    EarningRule.objects.first() or pytest.fail("rules are created by a migration")
    LoyaltySettings.objects.get_or_create(pk=1)
    Features.objects.get_or_create(pk=1)
    SalonSettings.objects.get_or_create(pk=1)
    tax_rate_create(name="Sales tax", percent=Decimal("8.875"), user=manager)
    receipt_send(ticket=closed, channel="email")
    return {"client": {"client_id": client.pk}, "open_ticket": {"ticket_id": open_ticket.pk}}


@pytest.fixture
def browsers(client_user, front_desk, manager):
    signed_in = {}
    for role, user in (("client_a", client_user), ("front_desk", front_desk), ("manager", manager)):
        signed_in[role] = BrowserClient()
        signed_in[role].force_login(user)
    return {"anonymous": BrowserClient(), **signed_in}


def admin_pages(rows):
    """(label, url, (Front desk, Manager)) of every admin page of our apps."""
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        label = model._meta.label
        instance = model._default_manager.order_by("pk").first()
        for view in VIEWS:
            kwargs = {} if view in ("changelist", "add") else {"object_id": instance.pk}
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
            yield f"{label} {view}", reverse(name, kwargs=kwargs), ADMIN[label][view]
    for name, (objects_key, expected) in CUSTOM.items():
        kwargs = rows[objects_key] if objects_key else {}
        yield name, reverse(f"admin:{name}", kwargs=kwargs), expected


def test_every_admin_model_and_custom_page_of_our_apps_has_an_expectation():
    ours = {m: a for m, a in admin.site._registry.items() if m._meta.app_label in OUR_APPS}
    assert {model._meta.label for model in ours} == set(ADMIN)
    custom = {
        url.name
        for model_admin in ours.values()
        for url in model_admin.get_urls()
        if url.name and url.name.rsplit("_", 1)[-1] not in VIEWS
    }
    assert custom == set(CUSTOM)


def test_admin_pages_answer_each_role_as_section_10_says(rows, browsers):
    answers, expected = {}, {}
    for label, url, (front_desk, manager) in admin_pages(rows):
        for role in ("anonymous", "client_a"):
            response = browsers[role].get(url)
            answers[(label, role)] = (response.status_code, response.get("Location", "")[:13])
            expected[(label, role)] = (302, "/admin/login/")
        answers[(label, "front_desk")] = browsers["front_desk"].get(url).status_code
        answers[(label, "manager")] = browsers["manager"].get(url).status_code
        expected[(label, "front_desk")] = front_desk
        expected[(label, "manager")] = manager
    assert len(expected) >= 4 * (5 * len(ADMIN) + len(CUSTOM))
    assert answers == expected


@pytest.mark.parametrize(
    "admin_name, data",
    [
        ("admin:salon_features_change", {"rewards_referrals": "on"}),
        ("admin:loyalty_loyaltysettings_change", {"min_redemption_dollars": "0"}),
        ("admin:loyalty_earningrule_changelist", {"form-TOTAL_FORMS": "0", "_save": "Save"}),
        ("admin:loyalty_points_adjust", {"points": "100", "reason": "x"}),
    ],
)
def test_front_desk_cant_change_the_configuration(rows, browsers, admin_name, data):
    kwargs = {"object_id": 1} if admin_name.endswith("_change") else {}
    before = (
        list(Features.objects.values()),
        list(LoyaltySettings.objects.values()),
        list(EarningRule.objects.values()),
    )
    response = browsers["front_desk"].post(reverse(admin_name, kwargs=kwargs), data)
    assert response.status_code == 403
    after = (
        list(Features.objects.values()),
        list(LoyaltySettings.objects.values()),
        list(EarningRule.objects.values()),
    )
    assert after == before
