"""Demo data for `make run`: a catalog, clients with referrals, history, staff logins.

It lives in the project package because it composes every app (like `salon/urls.py`);
no app imports it. Everything is written through the apps' services, so the demo obeys
the same rules as the front desk. Running it again only resets the demo passwords.
"""

from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from appointments.booking import appointment_book
from appointments.scheduling import availability
from appointments.services import appointment_cancel, appointment_confirm
from catalog.models import Item, ItemKind, TaxRate
from catalog.services import item_create, item_update, tax_rate_create
from clients.models import Client, ClientSource
from clients.services import client_create
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.models import PointsEntry, Promotion, Tier
from loyalty.promotions import promotion_save
from loyalty.selectors import loyalty_settings_get
from loyalty.tier_table import tier_save
from salon import roles
from salon.services import features_update, salon_settings_update
from staff.models import ScheduleException, Staff
from staff.services import Range, staff_create, staff_exception_add, staff_hours_set
from tickets.lifecycle import ticket_close, ticket_open
from tickets.lines import ticket_add_line
from tickets.payments import payment_add
from tickets.selectors import ticket_balance_due
from tickets.tips import tip_add

DEMO_LOGINS = (
    # username, password, role, is_staff
    ("manager", "salon-manager-demo", roles.MANAGER, True),
    ("frontdesk", "salon-frontdesk-demo", roles.FRONT_DESK, True),
)
DEMO_CLIENT_LOGIN = ("chloe.diaz@example.com", "salon-client-demo")

# Services last 60 minutes unless listed here (R42).
DURATIONS = {"Haircut": 45, "Color": 120, "Blow-dry": 30}

# Three stylists with different weeks (R42): name, colour, {weekday: [(start, end), ...]}.
STYLISTS = (
    (
        "Sam",
        "#4f7cac",
        {day: [(time(9), time(17))] for day in (0, 1, 3, 4)} | {2: [(time(9), time(12))]},
    ),
    ("Rita", "#b5487a", {day: [(time(10), time(18))] for day in (1, 2, 3, 4, 5)}),
    ("Jo", "#3a8f5c", {day: [(time(12), time(20))] for day in range(7)}),
)

CATALOG = (
    ("Haircut", ItemKind.SERVICE, "100.00"),
    ("Color", ItemKind.SERVICE, "150.00"),
    ("Blow-dry", ItemKind.SERVICE, "45.00"),
    ("Shampoo", ItemKind.PRODUCT, "24.00"),
    ("Conditioner", ItemKind.PRODUCT, "26.00"),
    ("Spa day", ItemKind.DAY_PACKAGE, "100.00"),
    ("Five blow-dries", ItemKind.SERIES_PACKAGE, "200.00"),
    ("Monthly membership", ItemKind.MEMBERSHIP, "89.00"),
    ("Gift card $50", ItemKind.GIFT_CARD, "50.00"),
)

# The seeds' examples (2 points per $1 on services; 20 per $100 on day packages with 5 to
# the referrer; $5 minimum) plus a few per-visit rewards so every part of the demo earns.
RULES = {
    Action.SERVICE_PURCHASE: {"active": True, "points": 2, "spend_unit": "1.00"},
    Action.PRODUCT_PURCHASE: {"active": True, "points": 1, "spend_unit": "1.00"},
    Action.DAY_PACKAGE_PURCHASE: {
        "active": True,
        "points": 20,
        "spend_unit": "100.00",
        "referrer_points": 5,
    },
    Action.FIRST_VISIT: {"active": True, "points": 100},
    Action.CLIENT_REFERRAL: {"active": True, "points": 250},
    Action.ONLINE_BOOKING: {"active": True, "points": 50},
    Action.PREBOOKED_APPOINTMENT: {"active": True, "points": 50},
    Action.FEEDBACK: {"active": True, "points": 25},
}

CLIENTS = (
    # first, last, phone, source, referred by (first name), sms consent
    ("Alice", "Moreno", "+12025550101", ClientSource.FRONT_DESK, None, True),
    ("Ben", "Carter", "+12025550102", ClientSource.FRONT_DESK, "Alice", True),
    ("Chloe", "Diaz", "+12025550103", ClientSource.APP, "Alice", True),
    ("Dev", "Patel", "+12025550104", ClientSource.ONLINE, None, False),
    ("Emma", "Wilson", "+12025550105", ClientSource.FRONT_DESK, "Dev", True),
    ("Farah", "Khan", "+12025550106", ClientSource.FRONT_DESK, None, False),
)


# The checkout (#13): who the salon is on receipts, the sales tax on retail, and a visit
# with tax, a tip and cash change.
SALON = {
    "name": "Velvet Salon",
    "address": "12 Main Street\nBrooklyn, NY 11201",
    "phone": "(718) 555-0100",
    "receipt_footer": "Thank you! Book your next visit at velvet.example.com",
}
DEMO_TAX = ("NYC sales tax", "8.875")
TAXED_PRODUCTS = ("Shampoo", "Conditioner")


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (the demo logins have published passwords).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates logins with published passwords; run it with DEBUG=true "
                "or pass --force on a throwaway database."
            )
        manager = self._staff_logins()
        self._tiers_and_promotion(manager)
        self._stylists(manager)
        if Client.objects.filter(email="alice.moreno@example.com").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self._load(manager)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not TaxRate.objects.filter(name=DEMO_TAX[0]).exists():
            self._load_checkout(manager)
        self._points_over_time(manager)
        self._print_logins()

    @transaction.atomic
    def _points_over_time(self, manager: User) -> None:
        """An expiry policy with reminders and statements, and Ben's gift of 600 points
        expiring in 20 days: the rewards box shows the next expiry, and the reminders
        preview lists him once he is 7 days from it (SPEC §14). Added once, also to a
        database seeded before."""
        settings_row = loyalty_settings_get()
        if settings_row.expiry_days is None:
            loyalty_settings_update(
                changes={
                    "expiry_days": 365,
                    "expiry_reminder_days": [30, 7],
                    "monthly_statements": True,
                },
                user=manager,
            )
        ben = Client.objects.filter(email="ben.carter@example.com").first()
        gift = "Welcome-back gift (demo)"
        if ben is not None and not PointsEntry.objects.filter(client=ben, memo=gift).exists():
            points_adjust(
                client=ben,
                points=600,
                reason=gift,
                user=manager,
                expires_on=timezone.localdate() + timedelta(days=20),
            )

    def _tiers_and_promotion(self, manager: User) -> None:
        """Silver and Gold tiers, birthday points and a promotion running this week (R61-R63),
        added to a database seeded before they existed too."""
        if not Tier.objects.filter(name="Silver").exists():
            for name, reach, stay, multiplier in (
                ("Silver", "1000.00", "800.00", "1.25"),
                ("Gold", "2500.00", "2000.00", "1.50"),
            ):
                tier_save(
                    changes={
                        "name": name,
                        "min_spend": reach,
                        "keep_spend": stay,
                        "multiplier": multiplier,
                    },
                    user=manager,
                )
            loyalty_settings_update(changes={"birthday_points": 500}, user=manager)
        if not Promotion.objects.filter(name="Double points week").exists():
            today = timezone.localdate()
            promotion_save(
                changes={
                    "name": "Double points week",
                    "starts_on": today - timedelta(days=1),
                    "ends_on": today + timedelta(days=6),
                    "actions": ["service_purchase"],
                    "multiplier": "2.00",
                    "max_per_client": 2,
                },
                user=manager,
            )

    def _staff_logins(self) -> User:
        users = {}
        for username, password, role, is_staff in DEMO_LOGINS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = is_staff
            user.is_active = True
            user.email = f"{username}@salon.example.com"
            user.set_password(password)
            user.save()
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
            users[role] = user
        roles.sync_role_permissions()
        return users[roles.MANAGER]

    @transaction.atomic
    def _stylists(self, manager: User) -> None:
        """The stylists and their weeks; Rita has the day after tomorrow off. Kept as found
        when they exist (the staff data migration may have made them from old names)."""
        for name, color, week in STYLISTS:
            stylist = Staff.objects.filter(name__iexact=name).first() or staff_create(
                name=name, color=color
            )
            if not stylist.hours.exists():
                ranges = [
                    Range(day, start, end) for day, spans in week.items() for start, end in spans
                ]
                staff_hours_set(staff=stylist, ranges=ranges)
        rita = Staff.objects.get(name__iexact="Rita")
        day_off = timezone.localdate() + timedelta(days=2)
        if not ScheduleException.objects.filter(staff=rita, date=day_off).exists():
            staff_exception_add(staff=rita, date=day_off)

    @transaction.atomic
    def _load(self, manager: User) -> None:
        features_update(
            user=manager,
            changes={
                "automated_email_marketing": True,
                "mass_email": True,
                "rewards_referrals": True,
                "text_confirmations": True,
                "profile_photos": True,
            },
        )
        for action, changes in RULES.items():
            earning_rule_update(action=action, changes=changes, user=manager)
        loyalty_settings_update(changes={"min_redemption_dollars": 5}, user=manager)

        items = {
            name: item_create(
                name=name,
                kind=kind,
                price=Decimal(price),
                duration_minutes=DURATIONS.get(name, 60),
            )
            for name, kind, price in CATALOG
            if not Item.objects.filter(name=name).exists()
        } | {item.name: item for item in Item.objects.filter(name__in=[c[0] for c in CATALOG])}

        clients: dict[str, Client] = {}
        for first, last, phone, source, referrer, consent in CLIENTS:
            clients[first] = client_create(
                first_name=first,
                last_name=last,
                phone=phone,
                email=f"{first}.{last}@example.com".lower(),
                sms_consent=consent,
                source=source,
                referred_by=clients[referrer] if referrer else None,
                created_by=manager,
            )
        self._client_login(clients["Chloe"])

        # History closed three days ago, so its points are past the 24-hour hold.
        earlier = timezone.now() - timedelta(days=3)
        self._closed_ticket(
            clients["Alice"], [items["Haircut"], items["Color"]], manager, now=earlier
        )
        self._closed_ticket(clients["Ben"], [items["Spa day"]], manager, now=earlier)
        self._closed_ticket(clients["Emma"], [items["Blow-dry"], items["Shampoo"]], manager)

        # Today's work: Alice is in for a colour and can pay part of it with points.
        ticket = ticket_open(client=clients["Alice"], user=manager)
        ticket_add_line(ticket=ticket, item=items["Color"])
        ticket_open(user=manager)  # a walk-in at the desk

        now = timezone.localtime()  # the salon's day, not UTC's
        stylists = {stylist.name: stylist for stylist in Staff.objects.all()}
        tomorrow = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        appointment_book(
            client=clients["Ben"],
            item=items["Haircut"],
            start=now + timedelta(hours=2),
            staff=stylists["Sam"],
            user=manager,
        )
        # Chloe books in the app: the first start tomorrow that the salon offers (R42).
        offered = availability(item=items["Blow-dry"], day=tomorrow.date(), now=now)
        appointment_book(
            client=clients["Chloe"],
            item=items["Blow-dry"],
            start=offered[0].start,
            source=ClientSource.APP,
            staff=offered[0].staff,
            user=manager,
        )
        appointment_book(
            client=clients["Farah"],
            item=items["Color"],
            # 2 PM: after any app booking above (Jo's first start is noon), so never a clash
            start=tomorrow + timedelta(hours=4),
            staff=stylists["Jo"],
            user=manager,
        )
        self._tomorrows_afternoon(clients, items, stylists, manager, tomorrow)

    def _tomorrows_afternoon(self, clients, items, stylists, manager, ten_am) -> None:
        """Tomorrow afternoon for three stylists on the day sheet (issue #14): confirmed,
        booked and cancelled blocks, and a double book. The desk books it as the desk may
        (allow_overlap, R42): where the clock puts the bookings above (their times follow
        when the demo is loaded) a clash shows as a double book instead of stopping it."""
        bookings = (
            # client, item, hours after 10 AM, stylist, then
            ("Alice", "Haircut", 4, "Jo", None),
            ("Emma", "Color", 4, "Rita", appointment_confirm),
            ("Ben", "Haircut", 4.5, "Sam", appointment_confirm),
            ("Farah", "Blow-dry", 5, "Sam", None),  # beside Ben's haircut: a double book
            ("Dev", "Blow-dry", 5, "Jo", None),
            ("Dev", "Haircut", 7, "Sam", appointment_cancel),
        )
        for first_name, item, hours, stylist, then in bookings:
            appointment = appointment_book(
                client=clients[first_name],
                item=items[item],
                start=ten_am + timedelta(hours=hours),
                staff=stylists[stylist],
                allow_overlap=True,
                user=manager,
            )
            if then is not None:
                then(appointment=appointment)

    @transaction.atomic
    def _load_checkout(self, manager: User) -> None:
        """Salon settings, a sales tax on retail, and Emma's visit with tax, a tip and cash
        change (R43-R50); loaded once, also into a demo database seeded before #13."""
        salon_settings_update(user=manager, changes=SALON)
        rate = tax_rate_create(name=DEMO_TAX[0], percent=Decimal(DEMO_TAX[1]))
        for item in Item.objects.filter(name__in=TAXED_PRODUCTS):
            item_update(item=item, tax_rate=rate)
        emma = Client.objects.filter(email="emma.wilson@example.com").first()
        if emma is None:
            return
        ticket = ticket_open(client=emma, user=manager)
        for name in ("Blow-dry", "Shampoo"):
            ticket_add_line(ticket=ticket, item=Item.objects.get(name=name))
        tip_add(ticket=ticket, amount=Decimal("9.00"), user=manager)
        due = ticket_balance_due(ticket=ticket)  # 45.00 + 24.00 + 2.13 tax + 9.00 tip
        payment_add(
            ticket=ticket, method="cash", amount=due, tendered=Decimal("100.00"), user=manager
        )
        ticket_close(ticket=ticket, user=manager)

    def _closed_ticket(self, client, items, user, now=None):
        ticket = ticket_open(client=client, user=user)
        total = Decimal("0.00")
        for item in items:
            total += ticket_add_line(ticket=ticket, item=item).net_amount
        payment_add(ticket=ticket, method="card", amount=total, user=user)
        return ticket_close(ticket=ticket, user=user, now=now)

    def _client_login(self, client: Client) -> None:
        email, password = DEMO_CLIENT_LOGIN
        user = User.objects.create_user(username=email, email=email, password=password)
        user.groups.add(Group.objects.get_or_create(name=roles.CLIENT)[0])
        client.user = user
        client.save(update_fields=["user"])

    def _print_logins(self) -> None:
        email, password = DEMO_CLIENT_LOGIN
        client_user = User.objects.filter(username=email).first()
        if client_user is not None:
            client_user.set_password(password)
            client_user.save(update_fields=["password"])
        self.stdout.write("\nDemo logins (admin at http://127.0.0.1:8000/admin/):")
        for username, password_, role, _ in DEMO_LOGINS:
            self.stdout.write(f"  {role:<11} {username} / {password_}")
        self.stdout.write(f"  Client app  {email} / {password}  (POST /api/v1/auth/token/)")
