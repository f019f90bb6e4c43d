"""A ticket's ledger state (R3-R16, R22): one prepared SELECT across tickets, catalog, clients
and appointments, parsed by loyalty/earning/fetch.py. `LEDGER_STATE_COLUMNS` names every
column it reads from other apps' tables; tests/loyalty/test_sql_contract.py fails loudly if
one is renamed."""

from datetime import date

from django.db import connection

from appointments.models import Appointment, ProductReservation
from catalog.models import Item, ItemKind
from clients.models import Client
from loyalty.actions import Action
from loyalty.models import (
    ClientTier,
    EarningRule,
    EntryKind,
    LoyaltySettings,
    PointsEntry,
    Promotion,
    TicketEarningSnapshot,
    Tier,
)
from loyalty.sql import cents
from salon.db import PreparedStatement
from salon.models import Features
from tickets.models import Payment, Ticket, TicketLine, TicketStatus

# Per-visit facts (SPEC §3 "First-time rules"), each evaluated only when the snapshot is
# still to be taken and, for the "first purchase of a kind" ones, when the ticket contains
# that kind and the rule is active: the scan of earlier tickets then stays off the hot path.
EARLIER_PURCHASES = {
    "earlier_service": (ItemKind.SERVICE, Action.FIRST_VISIT),
    "earlier_membership": (ItemKind.MEMBERSHIP, Action.REFERRED_MEMBERSHIP_PURCHASE),
    "earlier_series_package": (ItemKind.SERIES_PACKAGE, Action.REFERRED_PACKAGE_PURCHASE),
}
_JSON_FUNCTIONS = {
    "postgresql": ("json_agg", "json_build_array"),
    "sqlite": ("json_group_array", "json_array"),
}


def _ticket_ledger_sql(vendor: str) -> str:
    aggregate, row = _JSON_FUNCTIONS[vendor]
    ticket, line, payment = Ticket._meta.db_table, TicketLine._meta.db_table, Payment._meta.db_table
    item, client = Item._meta.db_table, Client._meta.db_table
    entry, snapshot = PointsEntry._meta.db_table, TicketEarningSnapshot._meta.db_table
    rule, settings_table = EarningRule._meta.db_table, LoyaltySettings._meta.db_table
    features, appointment = Features._meta.db_table, Appointment._meta.db_table
    reservation = ProductReservation._meta.db_table
    client_tier, tier = ClientTier._meta.db_table, Tier._meta.db_table
    promotion = Promotion._meta.db_table
    paid_lines = (
        f"FROM {line} l JOIN {item} i ON i.id = l.item_id "
        "WHERE l.ticket_id = %(ticket)s AND NOT l.package_redemption"
    )
    earlier_tickets = (
        f"FROM {ticket} et WHERE et.client_id = t.client_id AND et.status = %(closed)s "
        "AND et.id <> t.id"
    )
    facts = [
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 {earlier_tickets}) END",
        *(
            f"CASE WHEN sn.id IS NULL "
            f"AND EXISTS (SELECT 1 {paid_lines} AND i.kind = %({name}_kind)s) "
            f"AND EXISTS (SELECT 1 FROM {rule} r WHERE r.action = %({name}_action)s "
            "AND r.active) "
            f"THEN EXISTS (SELECT 1 {earlier_tickets} AND EXISTS (SELECT 1 FROM {line} el "
            f"JOIN {item} ei ON ei.id = el.item_id WHERE el.ticket_id = et.id "
            f"AND NOT el.package_redemption AND ei.kind = %({name}_kind)s)) END"
            for name in EARLIER_PURCHASES
        ),
        f"CASE WHEN sn.id IS NULL AND t.reservation_id IS NOT NULL THEN EXISTS (SELECT 1 "
        f"{paid_lines} AND l.item_id = (SELECT rv.item_id FROM {reservation} rv "
        "WHERE rv.id = t.reservation_id)) END",
        # Tiers and promotions (R61, R62), read with the rest so that a salon without them
        # pays no statement for them: the client's tier now, whether any tier exists (the
        # upgrade check), whether a promotion runs on the close's local date.
        f"CASE WHEN sn.id IS NULL THEN (SELECT {row}(tr.id, tr.name, "
        f"{cents('tr.multiplier')}) FROM {client_tier} ct JOIN {tier} tr "
        "ON tr.id = ct.tier_id WHERE ct.client_id = t.client_id) END",
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 FROM {tier}) END",
        f"CASE WHEN sn.id IS NULL THEN EXISTS (SELECT 1 FROM {promotion} pr "
        "WHERE pr.starts_on <= %(today)s AND pr.ends_on >= %(today)s) END",
    ]
    return (
        "SELECT t.status, t.client_id, t.appointment_id, c.source, c.merged_into_id, "
        "c.referred_by_id, rc.merged_into_id, "
        f"(SELECT f.rewards_referrals FROM {features} f WHERE f.id = 1), "
        f"(SELECT s.hold_hours FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT s.expiry_days FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT s.earn_on FROM {settings_table} s WHERE s.id = 1), "
        f"(SELECT {aggregate}({row}(r.action, r.active, r.points, "
        f"{cents('r.spend_unit')}, r.referrer_points)) FROM {rule} r), "
        "sn.id, sn.client_id, sc.merged_into_id, sn.referrer_id, sr.merged_into_id, "
        "sn.rewards_on, sn.rules, sn.per_visit_awards, sn.earn_on, sn.tier, sn.promotions, "
        "a.prebooked, a.source, "
        # Per kind, the lines' amounts before and with tax (R46): a price that contained its
        # tax gives it back for the pre-tax base; one that didn't adds it for the other.
        f"(SELECT {aggregate}({row}(x.kind, x.cents, x.post_tax_cents)) FROM (SELECT "
        "i.kind AS kind, "
        f"{cents('SUM(l.net_amount - CASE WHEN l.tax_included THEN l.tax ELSE 0 END)')} "
        "AS cents, "
        f"{cents('SUM(l.net_amount + CASE WHEN l.tax_included THEN 0 ELSE l.tax END)')} "
        f"AS post_tax_cents {paid_lines} GROUP BY i.kind) x), "
        f"(SELECT {aggregate}({row}(x.action, x.beneficiary, x.points, x.entries)) FROM "
        "(SELECT e.action AS action, e.beneficiary AS beneficiary, SUM(e.points) AS points, "
        f"COUNT(*) AS entries FROM {entry} e WHERE e.ticket_id = %(ticket)s "
        "AND e.action <> '' GROUP BY e.action, e.beneficiary) x), "
        f"(SELECT {aggregate}({row}(e.payment_id, e.points, e.client_id, ec.merged_into_id, "
        f"EXISTS (SELECT 1 FROM {payment} p WHERE p.id = e.payment_id "
        f"AND p.ticket_id = %(ticket)s))) FROM {entry} e JOIN {client} ec ON ec.id = e.client_id "
        "WHERE e.ticket_id = %(ticket)s AND e.kind = %(redeem)s AND NOT EXISTS (SELECT 1 "
        f"FROM {entry} g WHERE g.ticket_id = %(ticket)s AND g.kind = %(redeem_reversal)s "
        "AND g.payment_id = e.payment_id)), "
        f"{', '.join(facts)} "
        f"FROM {ticket} t "
        f"LEFT JOIN {client} c ON c.id = t.client_id "
        f"LEFT JOIN {client} rc ON rc.id = c.referred_by_id "
        f"LEFT JOIN {snapshot} sn ON sn.ticket_id = t.id "
        f"LEFT JOIN {client} sc ON sc.id = sn.client_id "
        f"LEFT JOIN {client} sr ON sr.id = sn.referrer_id "
        f"LEFT JOIN {appointment} a ON a.id = t.appointment_id "
        "WHERE t.id = %(ticket)s"
    )


TICKET_LEDGER = {
    vendor: PreparedStatement("loyalty_ticket_ledger_state", _ticket_ledger_sql(vendor))
    for vendor in _JSON_FUNCTIONS
}
_TICKET_LEDGER_PARAMS = {
    "closed": TicketStatus.CLOSED.value,
    "redeem": EntryKind.REDEEM.value,
    "redeem_reversal": EntryKind.REDEEM_REVERSAL.value,
    **{f"{name}_kind": kind.value for name, (kind, _) in EARLIER_PURCHASES.items()},
    **{f"{name}_action": action.value for name, (_, action) in EARLIER_PURCHASES.items()},
}

# Every (model, field, column) the ledger-state SELECT reads, by the name written in it. The
# statement is one string for speed (P3), so a rename elsewhere would only fail at run time:
# tests/loyalty/test_sql_contract.py checks each against the models' `_meta` instead.
LEDGER_STATE_COLUMNS = [
    *((Ticket, field, column) for field, column in [
        ("id", "id"), ("status", "status"), ("client", "client_id"),
        ("appointment", "appointment_id"), ("reservation", "reservation_id"),
    ]),
    *((TicketLine, field, column) for field, column in [
        ("ticket", "ticket_id"), ("item", "item_id"), ("net_amount", "net_amount"),
        ("package_redemption", "package_redemption"), ("tax", "tax"),
        ("tax_included", "tax_included"),
    ]),
    (Payment, "id", "id"), (Payment, "ticket", "ticket_id"),
    (Item, "id", "id"), (Item, "kind", "kind"),
    *((Client, field, column) for field, column in [
        ("id", "id"), ("source", "source"), ("merged_into", "merged_into_id"),
        ("referred_by", "referred_by_id"),
    ]),
    (Appointment, "id", "id"), (Appointment, "prebooked", "prebooked"),
    (Appointment, "source", "source"),
    (ProductReservation, "id", "id"), (ProductReservation, "item", "item_id"),
    (Features, "id", "id"), (Features, "rewards_referrals", "rewards_referrals"),
    (LoyaltySettings, "id", "id"), (LoyaltySettings, "hold_hours", "hold_hours"),
    (LoyaltySettings, "expiry_days", "expiry_days"),
    (LoyaltySettings, "earn_on", "earn_on"),
    *((EarningRule, field, field) for field in [
        "action", "active", "points", "spend_unit", "referrer_points",
    ]),
    *((TicketEarningSnapshot, field, column) for field, column in [
        ("id", "id"), ("ticket", "ticket_id"), ("client", "client_id"),
        ("referrer", "referrer_id"), ("rewards_on", "rewards_on"), ("rules", "rules"),
        ("per_visit_awards", "per_visit_awards"), ("earn_on", "earn_on"), ("tier", "tier"),
        ("promotions", "promotions"),
    ]),
    (ClientTier, "client", "client_id"), (ClientTier, "tier", "tier_id"),
    (Tier, "id", "id"), (Tier, "name", "name"), (Tier, "multiplier", "multiplier"),
    (Promotion, "starts_on", "starts_on"), (Promotion, "ends_on", "ends_on"),
    *((PointsEntry, field, column) for field, column in [
        ("ticket", "ticket_id"), ("client", "client_id"), ("payment_id", "payment_id"),
        ("action", "action"), ("beneficiary", "beneficiary"), ("points", "points"),
        ("kind", "kind"),
    ]),
]  # fmt: skip


def ticket_ledger_row(*, ticket_id: int, today: date) -> tuple | None:
    """The row `loyalty.earning.fetch` parses; None when there is no such ticket. `today`
    is the salon's local date of the reconcile (promotions run by local dates, R62)."""
    with connection.cursor() as cursor:
        TICKET_LEDGER[connection.vendor].execute(
            cursor,
            {
                **_TICKET_LEDGER_PARAMS,
                "ticket": ticket_id,
                "today": connection.ops.adapt_datefield_value(today),
            },
        )
        return cursor.fetchone()
