"""A hypothesis state machine drives the real services - close (and close again), adjust, void,
redeem under the Manager's controls, give back, manual adjustment, merge, the earning rule
switched on and off, promotions ended and restarted, tiers placed by hand and reviewed on
the 1st, birthdays and the clock - and after every step checks the ledger (R13-R23, R57,
R61-R63) against a simple model of its own: each balance equals the sum of its entries and
the model's total, redemption never overdraws, pending is never negative, each redemption
is refused exactly when a rule the model knows is broken (with that rule's code) and the
redeemable figure is the model's, each client holds the tier the model predicts (and the
stored qualifying spend is what their tickets' lines sum to), no ticket
earns more than the best single promotion and the tier allow, and a ticket closed twice,
adjusted and voided nets to 0.

The expiry machine runs the same steps with points that expire two days after posting, the
expiry run, the reminders and the monthly statements among them (R51-R56).

The bound: the suite runs few examples (< 60 s for both machines on the 2-core machine);
`HYPOTHESIS_PROFILE=long` runs the profile's count (docs/reliability.md)."""

import os
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from catalog.models import ItemKind
from clients.merge import client_merge
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.birthdays import birthdays_award
from loyalty.configuration import earning_rule_update, loyalty_settings_update
from loyalty.controls import ticket_redeemable
from loyalty.expiry import points_expire_due
from loyalty.models import (
    ClientTier,
    EntryKind,
    NoticeChannel,
    NoticeKind,
    PointsBalance,
    PointsEntry,
    PointsLot,
    PointsNotice,
    Promotion,
    Tier,
)
from loyalty.notices import notices_due, points_notices_send
from loyalty.otp import redemption_code_send
from loyalty.promotions import promotion_save
from loyalty.redemption import points_redeem
from loyalty.rewards_box import client_points_balance, client_rewards_summary
from loyalty.selectors import (
    ledger_disagreements,
    lot_balance_disagreements,
    lot_disagreements,
    lot_figures_disagreements,
)
from loyalty.tiers import client_qualifying_spend, client_tier_place, tiers_review
from messaging.models import Message
from salon.errors import DomainError
from tests.accounts.factories import FrontDeskFactory, ManagerFactory
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tickets.lifecycle import ticket_close, ticket_open, ticket_void
from tickets.lines import ticket_add_line, ticket_update_line
from tickets.payments import payment_add, payment_remove
from tickets.spend import daily_spend_disagreements

POINTS_PER_DOLLAR = 2
REFERRER_POINTS_PER_DOLLAR = 1
amounts = st.integers(min_value=1, max_value=300).map(lambda dollars: Decimal(dollars))
# (spend to reach, spend to stay, multiplier): bounded so a few closes cross them.
TIERS = [
    (Decimal("400.00"), Decimal("300.00"), Decimal("1.25")),
    (Decimal("900.00"), Decimal("700.00"), Decimal("1.50")),
]
# Short enough that a few jumps to the 1st age spend out of the window and tiers past
# their validity (R61).
TIER_WINDOW_DAYS, TIER_VALIDITY_DAYS = 40, 20
DOUBLE, DOUBLE_USES = Decimal("2.00"), 2  # created first: wins a tie
BONUS = 150
BIRTHDAY_POINTS = 500
SERVICE_PRICE, PRODUCT_PRICE = Decimal("100.00"), Decimal("40.00")
ALL_KINDS = list(ItemKind.values)
# Each control's values: off, a limit a redemption meets now and then, and a loose one.
CONTROLS = {
    "min_redemption_dollars": st.sampled_from([0, 1, 5]),  # 0 pauses (R19)
    "max_redemption_percent": st.sampled_from([None, 30, 100]),
    "max_redemption_points": st.sampled_from([None, 250, 2000]),
    "redemption_increment": st.sampled_from([1, 25, 100]),
    "redeemable_kinds": st.sampled_from([ALL_KINDS, ["service"], ["product"]]),
    "redemption_otp": st.booleans(),
}
redemption_points = st.one_of(
    st.integers(min_value=1, max_value=15000),
    st.sampled_from([25, 100, 250, 499, 500, 2000, 3999, 4000]),
)


def floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def cents(dollars: Decimal) -> int:
    return int(dollars * 100)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def set_up(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = time_machine.travel(timezone.now(), tick=False)
        self.clock = self.traveller.start()
        rule_set(
            Action.SERVICE_PURCHASE,
            points=POINTS_PER_DOLLAR,
            spend_unit=Decimal("1.00"),
            referrer_points=REFERRER_POINTS_PER_DOLLAR,
        )
        self.rule_active = True
        self.manager, self.front_desk = ManagerFactory(), FrontDeskFactory()
        self.item = ItemFactory(price=SERVICE_PRICE)
        self.product = ItemFactory(kind=ItemKind.PRODUCT, price=PRODUCT_PRICE)
        today = timezone.localdate()
        referrer = ClientFactory()
        self.clients = [referrer, ClientFactory(referred_by=referrer), ClientFactory()]
        for client in self.clients:  # texts reach them: codes, birthdays, reminders
            client.sms_consent, client.phone = True, f"+1415555{client.pk % 10000:04d}"
            client.save()
        # Birthdays a few days ahead, so that the clock meets them (R63).
        self.birthday = {}
        for days, client in enumerate(self.clients, start=1):
            client.birthday = (today + timedelta(days=days)).replace(year=1992)
            client.save(update_fields=["birthday"])
            self.birthday[client.pk] = (client.birthday.month, client.birthday.day)
        self.birthdays_given: set[tuple[int, int]] = set()
        self.expected = {client.pk: 0 for client in self.clients}
        self.closed: list[dict] = []  # {"ticket", "owner", "referrer", "amount", ...}
        self.voided: list[dict] = []
        self.controls = {
            "min_redemption_dollars": 1,  # low, so that redemptions often get past it
            "max_redemption_percent": None,
            "max_redemption_points": None,
            "redemption_increment": 1,
            "redeemable_kinds": ALL_KINDS,
            "redemption_otp": False,
        }
        loyalty_settings_update(
            changes={
                "tier_window_days": TIER_WINDOW_DAYS,
                "tier_validity_days": TIER_VALIDITY_DAYS,
                "birthday_points": BIRTHDAY_POINTS,
                **self.controls,
            },
            user=self.manager,
        )
        self.tiers = [
            Tier.objects.create(
                name=f"Tier {n}", min_spend=reach, keep_spend=stay, multiplier=multiplier
            )
            for n, (reach, stay, multiplier) in enumerate(TIERS)
        ]
        self.tier_of: dict[int, int | None] = {client.pk: None for client in self.clients}
        self.held_since: dict[int, date] = {}
        self.promotions = {}
        for name, terms in (
            ("Double", {"multiplier": DOUBLE, "max_per_client": DOUBLE_USES}),
            ("Bonus", {"bonus_points": BONUS}),
        ):
            promotion = Promotion.objects.create(
                name=name,
                starts_on=today - timedelta(days=10),
                ends_on=today + timedelta(days=60),
                actions=["service_purchase"],
                **terms,
            )
            self.promotions[name.lower()] = promotion
        self.open_tickets: list[dict] = []  # {"ticket", "product", "payments": [(p, points)]}
        self.notices_at_merge: dict[int, int] = {}
        self.absorbed: dict[int, set[int]] = {client.pk: set() for client in self.clients}

    def teardown(self):
        if hasattr(self, "atomic"):
            self.traveller.stop()
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def active_clients(self):
        return [client for client in self.clients if client.merged_into_id is None]

    # --- tickets: close, close again, adjust, void -------------------------------------

    @rule(data=st.data(), amount=amounts)
    def close_a_ticket(self, data, amount):
        client = data.draw(st.sampled_from(self.active_clients()))
        ticket = ticket_open(client=client)
        ticket_add_line(ticket=ticket, item=self.item, unit_price=amount)
        payment_add(ticket=ticket, method="cash", amount=amount)
        ticket_close(ticket=ticket)
        client.refresh_from_db()
        ticket.refresh_from_db()
        sale = {
            "ticket": ticket,
            "owner": client,
            "earner": client.pk,  # whose `earn` entry counts a promotion's use
            "referrer": client.referred_by,
            "amount": Decimal(0),
            "closed_at": ticket.closed_at,
            "active": self.rule_active,  # the rule in force at close governs for ever (R11)
            "tier": self.multiplier(self.tier_of[client.pk]),  # the tier held before the close
            "promotion": self.best_promotion(client.pk, amount),
        }
        self.closed.append(sale)
        self.earn(sale=sale, amount=amount)
        self.upgrade(client.pk)

    @precondition(lambda self: self.closed or self.voided)
    @rule(data=st.data())
    def close_a_ticket_again(self, data):
        """Closing a closed ticket is a no-op; a voided one can't close (R13, R31)."""
        sale = data.draw(st.sampled_from(self.closed + self.voided))
        try:
            ticket_close(ticket=sale["ticket"])
        except DomainError as refused:
            assert sale in self.voided, refused.code
            assert refused.code == "ticket_voided"
        else:
            assert sale in self.closed

    def multiplier(self, tier: int | None) -> Decimal:
        return Decimal("1") if tier is None else TIERS[tier][2]

    def client_points(self, sale, amount) -> int:
        if not sale["active"]:
            return 0  # an inactive rule earns nothing, promotion or not (R62)
        multiplier = sale["tier"] * (DOUBLE if sale["promotion"] == "double" else 1)
        bonus = BONUS if sale["promotion"] == "bonus" else 0
        return floor(amount * POINTS_PER_DOLLAR * multiplier) + bonus

    def running(self, name) -> bool:
        promotion, today = self.promotions[name], timezone.localdate()
        return promotion.starts_on <= today <= promotion.ends_on

    def best_promotion(self, client_id, amount) -> str | None:
        """R62 as the model sees it: of the promotions running today, the most points, a tie
        to the earlier created (Double); none under an inactive rule."""
        if not self.rule_active:
            return None
        tier = self.multiplier(self.tier_of[client_id])
        uses = sum(
            1
            for sale in self.closed
            if sale["earner"] == client_id and sale["promotion"] == "double"
        )
        options = {}
        if self.running("double") and uses < DOUBLE_USES:
            options["double"] = floor(amount * POINTS_PER_DOLLAR * tier * DOUBLE)
        if self.running("bonus"):
            options["bonus"] = floor(amount * POINTS_PER_DOLLAR * tier) + BONUS
        if not options:
            return None
        best = max(options.values())
        return "double" if options.get("double") == best else "bonus"

    def qualifying_spend(self, client_id) -> Decimal:
        """R61: the client's closed, non-voided tickets closed in the window, as adjusted."""
        since = timezone.now() - timedelta(days=TIER_WINDOW_DAYS)
        return sum(
            (
                sale["amount"]
                for sale in self.closed
                if sale["owner"].pk == client_id and sale["closed_at"] > since
            ),
            Decimal(0),
        )

    def upgrade(self, client_id):
        """A close moves the client up at once, never down (R61)."""
        spend = self.qualifying_spend(client_id)
        reached = [n for n, (reach, _, _) in enumerate(TIERS) if spend >= reach]
        current = self.tier_of[client_id]
        if reached and (current is None or reached[-1] > current):
            self.tier_of[client_id] = reached[-1]
            self.held_since[client_id] = timezone.localdate()

    def earn(self, *, sale, amount):
        """The sale's amount becomes `amount`: the model posts the difference."""
        before = self.client_points(sale, sale["amount"]) if sale["amount"] else 0
        after = self.client_points(sale, amount) if amount else 0
        self.expected[sale["owner"].pk] += after - before
        if sale["referrer"] is not None and sale["active"]:
            self.expected[sale["referrer"].pk] += (
                int(amount) - int(sale["amount"])
            ) * REFERRER_POINTS_PER_DOLLAR
        sale["amount"] = amount

    @precondition(lambda self: self.closed)
    @rule(data=st.data(), amount=amounts)
    def adjust_a_closed_ticket(self, data, amount):
        sale = data.draw(st.sampled_from(self.closed))
        line = sale["ticket"].lines.get()
        ticket_update_line(
            line=line, user=self.manager, unit_price=amount, reason="Price corrected"
        )
        self.earn(sale=sale, amount=amount)

    @precondition(lambda self: self.closed)
    @rule(data=st.data())
    def void_a_closed_ticket(self, data):
        sale = data.draw(st.sampled_from(self.closed))
        ticket_void(ticket=sale["ticket"], user=self.manager, reason="Refund")
        self.earn(sale=sale, amount=Decimal(0))
        self.closed.remove(sale)
        self.voided.append(sale)

    # --- the Manager's switches: the rule, the promotions, the controls, tiers ------------

    @rule(active=st.booleans())
    def switch_the_earning_rule(self, active):
        earning_rule_update(
            action=Action.SERVICE_PURCHASE, changes={"active": active}, user=self.manager
        )
        self.rule_active = active

    @rule(name=st.sampled_from(["double", "bonus"]), run=st.booleans())
    def end_or_restart_a_promotion(self, name, run):
        today = timezone.localdate()
        promotion = self.promotions[name]
        if run:
            dates = {"starts_on": today, "ends_on": today + timedelta(days=60)}
        else:
            yesterday = today - timedelta(days=1)
            dates = {"starts_on": min(promotion.starts_on, yesterday), "ends_on": yesterday}
        self.promotions[name] = promotion_save(
            promotion=promotion, changes=dates, user=self.manager
        )

    @rule(
        changes=st.fixed_dictionaries(
            {}, optional={field: values for field, values in CONTROLS.items()}
        )
    )
    def set_the_redemption_controls(self, changes):
        loyalty_settings_update(changes=changes, user=self.manager)
        self.controls.update(changes)

    @rule(data=st.data(), tier=st.sampled_from([None, 0, 1]))
    def place_a_client_in_a_tier(self, data, tier):
        client = data.draw(st.sampled_from(self.active_clients()))
        client_tier_place(
            client=client,
            tier=None if tier is None else self.tiers[tier],
            reason="Stateful test",
            user=self.manager,
        )
        self.tier_of[client.pk] = tier
        self.held_since[client.pk] = timezone.localdate()

    @rule()
    def the_1st_of_next_month(self):
        """The clock jumps to 10:00 on the next 1st; the monthly tier review runs (R61)."""
        today = timezone.localdate()
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        self.clock.move_to(
            datetime.combine(first, time(10), tzinfo=timezone.get_current_timezone())
        )
        self.review_tiers()
        self.award_birthdays()

    def review_tiers(self):
        moved = {change.client_id for change in tiers_review()}
        today = timezone.localdate()
        expected_moves = set()
        for client in self.clients:
            current = self.tier_of[client.pk]
            if current is None or today.day != 1:
                continue
            if (today - self.held_since[client.pk]).days <= TIER_VALIDITY_DAYS:
                continue
            spend = self.qualifying_spend(client.pk)
            kept = [n for n in range(current + 1) if spend >= TIERS[n][1]]
            kept = kept[-1] if kept else None
            if kept != current:
                self.tier_of[client.pk] = kept
                self.held_since[client.pk] = today
                expected_moves.add(client.pk)
        assert moved == expected_moves
        assert tiers_review() == []  # a second run the same day moves nobody

    # --- points: manual adjustment, redemption, give back, birthdays, merge ---------------

    @rule(data=st.data(), points=st.integers(min_value=-1000, max_value=5000).filter(bool))
    def adjust_points_manually(self, data, points):
        client = data.draw(st.sampled_from(self.active_clients()))
        points_adjust(client=client, points=points, reason="Stateful test", user=self.manager)
        self.expected[client.pk] += points

    def refusals(self, *, record, points, redeemable) -> set[str]:
        """Every rule a redemption of `points` on this open ticket breaks, by code (R19-R21,
        R57)."""
        total = cents(SERVICE_PRICE + (PRODUCT_PRICE if record["product"] else 0))
        paid = sum(part for _, part in record["payments"])
        controls = self.controls
        broken = set()
        if controls["min_redemption_dollars"] == 0:
            broken.add("redemption_paused")
        if paid + points >= total:
            broken.add("exceeds_ticket_total")
        if points % controls["redemption_increment"]:
            broken.add("not_a_multiple")
        for cap in self.caps(total):
            if paid + points > cap[0]:
                broken.add(cap[1])
        if redeemable < controls["min_redemption_dollars"] * 100:
            broken.add("below_min_redemption")
        if points > redeemable:
            broken.add("exceeds_redeemable")
        return broken

    def caps(self, total: int) -> list[tuple[int, str]]:
        caps = []
        if self.controls["max_redemption_points"] is not None:
            caps.append((self.controls["max_redemption_points"], "exceeds_max_redemption"))
        if self.controls["max_redemption_percent"] is not None:
            caps.append(
                (total * self.controls["max_redemption_percent"] // 100, "exceeds_max_redemption")
            )
        kinds = self.controls["redeemable_kinds"]
        if set(kinds) != set(ALL_KINDS):
            worth = (SERVICE_PRICE if "service" in kinds else 0) + (
                PRODUCT_PRICE if "product" in kinds and total > cents(SERVICE_PRICE) else 0
            )
            caps.append((cents(worth), "not_redeemable_on_items"))
        return caps

    def most_redeemable(self, *, record, redeemable) -> int:
        """What `GET …/redeemable/` should answer: the most one more redemption may be."""
        if self.controls["min_redemption_dollars"] == 0:
            return 0
        if redeemable < self.controls["min_redemption_dollars"] * 100:
            return 0
        total = cents(SERVICE_PRICE + (PRODUCT_PRICE if record["product"] else 0))
        paid = sum(part for _, part in record["payments"])
        most = min(redeemable, total - paid - 1)
        for cap, _ in self.caps(total):
            most = min(most, cap - paid)
        most = max(most, 0)
        return most - most % self.controls["redemption_increment"]

    @rule(
        data=st.data(),
        points=st.one_of(st.sampled_from(["most", "one more"]), redemption_points),
        product=st.booleans(),
        again=st.booleans(),
        code=st.sampled_from(["texted", "wrong", "none"]),
    )
    def redeem(self, data, points, product, again, code):
        """On a new ticket, or again on an open one: refused exactly when a rule the model
        knows is broken, with the code of one of them, and never for more than the
        redeemable figure the rewards box gave (R19-R23, R57)."""
        if again and self.open_tickets:
            record = data.draw(st.sampled_from(self.open_tickets))
            record["ticket"].refresh_from_db()
        else:
            # Richest first: hypothesis prefers the first, so redemptions often get through.
            richest = sorted(
                self.active_clients(),
                key=lambda client: -client_points_balance(client=client).redeemable,
            )
            client = data.draw(st.sampled_from(richest))
            ticket = ticket_open(client=client)
            ticket_add_line(ticket=ticket, item=self.item)
            if product:
                ticket_add_line(ticket=ticket, item=self.product)
            record = {"ticket": ticket, "product": product, "payments": []}
            self.open_tickets.append(record)
        ticket = record["ticket"]
        client = ticket.client
        redeemable = client_points_balance(client=client).redeemable
        most = ticket_redeemable(ticket=ticket).points
        assert most == self.most_redeemable(record=record, redeemable=redeemable)
        if points == "most":  # the figure the rewards box gives can be redeemed ...
            points = most or 1
        elif points == "one more":  # ... and not a point more
            points = most + self.controls["redemption_increment"]
        broken = self.refusals(record=record, points=points, redeemable=redeemable)
        code = self.one_time_code(ticket=ticket, code=code, broken=broken)
        try:
            payment = points_redeem(ticket=ticket, points=points, user=self.front_desk, code=code)
        except DomainError as refused:
            assert refused.code in broken, (refused.code, broken)
            return
        assert not broken, broken
        assert points <= most  # the rewards box never says less than can be redeemed
        assert client_points_balance(client=client).redeemable == redeemable - points >= 0
        record["payments"].append((payment, points))
        self.expected[client.pk] -= points

    def one_time_code(self, *, ticket, code, broken) -> str | None:
        """With `redemption_otp` on, the code texted to the client, a wrong one, or none
        (R57: `otp_required`, `otp_invalid`); with it off, no code is asked for."""
        if not self.controls["redemption_otp"]:
            return None
        if code == "none":
            broken.add("otp_required")
            return None
        sent = redemption_code_send(ticket=ticket)
        body = Message.objects.get(purpose=f"redeem-code:{sent.pk}").body
        texted = re.search(r"\b\d{6}\b", body).group()
        if code == "wrong":
            broken.add("otp_invalid")
            return f"{(int(texted) + 1) % 10**6:06d}"
        return texted

    @precondition(lambda self: any(record["payments"] for record in self.open_tickets))
    @rule(data=st.data(), remove_payment=st.booleans())
    def give_back_a_redemption(self, data, remove_payment):
        record = data.draw(
            st.sampled_from([record for record in self.open_tickets if record["payments"]])
        )
        ticket = record["ticket"]
        ticket.refresh_from_db()
        if remove_payment:
            payment, points = data.draw(st.sampled_from(record["payments"]))
            payment_remove(payment=payment)
            record["payments"].remove((payment, points))
            self.expected[ticket.client_id] += points
        else:
            ticket_void(ticket=ticket, user=self.front_desk)
            self.open_tickets.remove(record)
            self.expected[ticket.client_id] += sum(part for _, part in record["payments"])

    @precondition(lambda self: len([c for c in self.clients if c.merged_into_id is None]) > 1)
    @rule(data=st.data())
    def merge_two_clients(self, data):
        survivor, duplicate = data.draw(
            st.lists(st.sampled_from(self.active_clients()), min_size=2, max_size=2, unique=True)
        )
        client_merge(survivor=survivor, duplicate=duplicate, user=self.manager)
        duplicate.refresh_from_db()
        for record in self.closed + self.voided:
            for role in ("owner", "referrer"):
                if record.get(role) is not None and record[role].pk == duplicate.pk:
                    record[role] = survivor
        self.merge_tiers(survivor.pk, duplicate.pk)
        self.expected[survivor.pk] += self.expected[duplicate.pk]
        self.expected[duplicate.pk] = 0
        self.absorbed[survivor.pk] |= {duplicate.pk} | self.absorbed[duplicate.pk]
        self.notices_at_merge[duplicate.pk] = PointsNotice.objects.filter(
            client_id=duplicate.pk
        ).count()

    def merge_tiers(self, survivor_id, duplicate_id):
        """The survivor holds the higher of the two tiers with that tier's validity clock,
        or a higher one still that the merged spend reaches (from today); the tombstone
        holds none (R17, R61; docs/decisions.md)."""
        kept, gone = self.tier_of[survivor_id], self.tier_of[duplicate_id]
        held = [tier for tier in (kept, gone) if tier is not None]
        higher = max(held, default=None)
        spend = self.qualifying_spend(survivor_id)
        reached = [n for n, (reach, _, _) in enumerate(TIERS) if spend >= reach]
        outcome = reached[-1] if reached and (higher is None or reached[-1] > higher) else higher
        if outcome is not None and outcome != kept:
            self.held_since[survivor_id] = (
                self.held_since[duplicate_id] if outcome == gone else timezone.localdate()
            )
            self.tier_of[survivor_id] = outcome
        self.tier_of[duplicate_id] = None

    @rule(hours=st.sampled_from([1, 12, 23, 25]))
    def advance_time(self, hours):
        self.clock.shift(timedelta(hours=hours))
        self.award_birthdays()  # a daily job: it runs whenever the clock has moved

    def award_birthdays(self):
        """Once per client per calendar year, on the day, with a closed ticket (R63)."""
        awarded = [entry.client_id for entry in birthdays_award()]
        today = timezone.localdate()
        due = [
            client.pk
            for client in self.active_clients()
            if self.birthday[client.pk] == (today.month, today.day)
            and (client.pk, today.year) not in self.birthdays_given
            and any(sale["owner"].pk == client.pk for sale in self.closed)
        ]
        assert sorted(awarded) == due
        for client_id in due:
            self.birthdays_given.add((client_id, today.year))
            self.expected[client_id] += BIRTHDAY_POINTS
        assert birthdays_award() == []

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def ledger_holds(self):
        if not hasattr(self, "atomic"):
            return
        assert ledger_disagreements() == []
        # The stored qualifying spend is what every client's lines sum to (R61, issue 18).
        assert daily_spend_disagreements() == []
        for client in self.clients:
            balance = client_points_balance(client=client)
            assert balance.total == self.expected[client.pk], client.pk
            assert balance.pending >= 0
            if client.merged_into_id is not None:
                assert (balance.pending, balance.redeemable) == (0, 0)
        self.earnings_hold()

    def earnings_hold(self):
        top_tier = max(multiplier for _, _, multiplier in TIERS)
        for sale in self.closed:
            earned = self.ticket_points(sale)
            assert earned == self.client_points(sale, sale["amount"])
            # never more than the best single promotion and the highest tier allow
            best_single = max(
                floor(sale["amount"] * POINTS_PER_DOLLAR * top_tier * DOUBLE),
                floor(sale["amount"] * POINTS_PER_DOLLAR * top_tier) + BONUS,
            )
            assert earned <= best_single
        for sale in self.voided:
            assert self.ticket_points(sale) == 0  # closed, adjusted, voided: nets to 0
        tiers = dict(ClientTier.objects.values_list("client_id", "tier_id"))
        for client in self.clients:
            # the stored days and the window's first day's lines read R61's window exactly
            spend = client_qualifying_spend(client_id=client.pk)
            assert spend == self.qualifying_spend(client.pk), client.pk
            held = self.tier_of[client.pk]
            assert tiers.get(client.pk) == (None if held is None else self.tiers[held].pk)

    def ticket_points(self, sale) -> int:
        """What the ticket's client's points on it add up to, whoever holds them now."""
        return sum(
            PointsEntry.objects.filter(
                ticket=sale["ticket"], action=Action.SERVICE_PURCHASE, beneficiary="client"
            )
            .exclude(kind__in=["merge_in", "merge_out"])
            .values_list("points", flat=True)
        )


def machine_settings(examples: int) -> settings:
    """The suite's bound, or the profile's count when HYPOTHESIS_PROFILE names one (the
    long run, docs/reliability.md)."""
    if os.environ.get("HYPOTHESIS_PROFILE"):
        examples = settings.default.max_examples
    return settings(
        max_examples=examples,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(LedgerMachine, settings=machine_settings(10))


class ExpiryLedgerMachine(LedgerMachine):
    """The same steps with points that expire two days after posting (R51-R56), the expiry
    run, the reminders and the monthly statements among them. Invariants: balance = Σ
    entries; every lot adds up and the lots hold the balance; nothing past its date is ever
    counted redeemable; no reminder or statement twice, and a statement for every client
    with points on the 1st."""

    @initialize()
    def set_up(self):
        super().set_up()
        loyalty_settings_update(
            changes={"expiry_days": 2, "expiry_reminder_days": [1], "monthly_statements": True},
            user=self.manager,
        )

    def expired(self, client) -> int:
        """What expired of the client's points and of those of the clients merged into it
        (a merge moves what is left after expiry)."""
        return (
            PointsEntry.objects.filter(
                client__in=[client.pk, *self.absorbed[client.pk]], kind=EntryKind.EXPIRE
            ).aggregate(points=Sum("points"))["points"]
            or 0
        )

    @rule(hours=st.sampled_from([24, 49]))
    def advance_days(self, hours):
        self.clock.shift(timedelta(hours=hours))
        self.award_birthdays()

    @rule()
    def run_the_expiry(self):
        points_expire_due()
        assert points_expire_due() == 0  # a second run posts nothing
        today = timezone.localdate()
        for client in self.active_clients():
            lots = PointsLot.objects.filter(client=client)
            # After the run, nothing past its date holds points, and no debt sits beside
            # points that could pay it.
            assert not lots.filter(remaining__gt=0, expires_on__lt=today).exists()
            if lots.filter(remaining__lt=0).exists():
                assert not lots.filter(remaining__gt=0, available_at__lte=timezone.now()).exists()
            if not lots.filter(remaining__gt=0, available_at__gt=timezone.now()).exists():
                # Nothing pending: the lots hold exactly the positive part of the balance.
                held = lots.filter(remaining__gt=0).aggregate(points=Sum("remaining"))["points"]
                total = PointsBalance.objects.filter(client=client).values_list("total", flat=True)
                assert (held or 0) == max(total.first() or 0, 0), client.pk

    @rule()
    def send_the_reminders_and_statements(self):
        points_notices_send()
        assert notices_due() == []  # a second run sends nothing
        today = timezone.localdate()
        if today.day == 1:
            month = (today - timedelta(days=1)).replace(day=1)
            told = set(
                PointsNotice.objects.filter(
                    kind=NoticeKind.STATEMENT, key__endswith=f":{month:%Y-%m}"
                ).values_list("client_id", flat=True)
            )
            with_points = set(
                PointsBalance.objects.filter(
                    client__merged_into__isnull=True, client__in=self.clients
                )
                .exclude(total=0)
                .values_list("client_id", flat=True)
            )
            assert with_points <= told  # every client with points gets the month's statement

    @invariant()
    def ledger_holds(self):
        if not hasattr(self, "atomic"):
            return
        assert ledger_disagreements() == []
        assert lot_disagreements() == []
        assert lot_balance_disagreements() == []
        # The balance rows' next expiry, its points and debt are the lots' (P2).
        assert lot_figures_disagreements() == []
        assert daily_spend_disagreements() == []  # R61
        now, today = timezone.now(), timezone.localdate()
        for client in self.clients:
            balance = client_points_balance(client=client)
            total = PointsBalance.objects.filter(client=client).values_list("total", flat=True)
            total = total.first() or 0
            expected = (
                0 if client.merged_into_id else self.expected[client.pk] + self.expired(client)
            )
            assert total == expected, client.pk
            past = PointsLot.objects.filter(
                client=client, remaining__gt=0, expires_on__lt=today
            ).aggregate(points=Sum("remaining"))["points"]
            # What is shown is the total less what is past its date, run or not (R54).
            assert balance.total == total - (past or 0)
            assert balance.pending >= 0
            usable = PointsLot.objects.filter(client=client, available_at__lte=now).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=today)
            )
            held = usable.aggregate(points=Sum("remaining"))["points"] or 0
            assert balance.redeemable <= max(held, 0), client.pk  # never past its date
            upcoming = client_rewards_summary(client=client).next_expiry
            if upcoming is not None:  # never a date gone by, nor more than the client has
                assert upcoming.on >= today and 0 < upcoming.points <= balance.total
            if client.merged_into_id is not None:
                assert (balance.pending, balance.redeemable) == (0, 0)
        # No reminder or statement twice: one notice per (client, date, offset) or (client,
        # month), and one text per notice.
        keys = list(PointsNotice.objects.values_list("key", flat=True))
        assert len(keys) == len(set(keys))
        assert not Message.objects.values("purpose").annotate(n=Count("id")).filter(n__gt=1)
        texted = PointsNotice.objects.filter(channel=NoticeChannel.SMS)
        assert Message.objects.filter(purpose__in=texted.values("key")).count() == texted.count()
        for client_id, notices in self.notices_at_merge.items():  # none to a tombstone
            assert PointsNotice.objects.filter(client_id=client_id).count() == notices
        self.earnings_hold()


@pytest.mark.django_db
def test_expiry_ledger_state_machine():
    run_state_machine_as_test(ExpiryLedgerMachine, settings=machine_settings(10))
