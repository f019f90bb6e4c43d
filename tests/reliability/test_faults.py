"""A fault in the middle of a close or a redemption leaves no partial write (SPEC §1, R13,
R22), and a database that is briefly away answers a clean 503 that a retry with the same
Idempotency-Key gets past, once (SPEC §11).

Faults are injected by wrapping a function inside the real path so that it raises after
(or instead of) its own write; everything the path wrote before it must roll back with it.
"""

from decimal import Decimal

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections

from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.models import EntryKind, PointsEntry, TicketEarningSnapshot
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, client_points_balance
from messaging.models import Message
from messaging.services import sms_queue
from salon.api.exceptions import DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS
from tests.loyalty.factories import rule_set
from tests.tickets.factories import paid_ticket, ticket_with_lines
from tickets import lifecycle, signals
from tickets import selectors as ticket_selectors
from tickets import sql as ticket_sql
from tickets.lifecycle import ticket_close
from tickets.models import Payment, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

THANKS_PHONE = "+12025550143"


class InjectedFault(Exception):
    """The fault under test: nothing else raises it."""


@pytest.fixture
def two_per_dollar(db):
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))


@pytest.fixture
def thank_you_text():
    """A text queued inside the close (after loyalty's ledger write), standing in for any
    work that leaves the process: it must never go out when the close rolls back."""

    def queue(sender, ticket, **kwargs):
        sms_queue(
            to=THANKS_PHONE,
            body="Thanks for your visit!",
            purpose=f"thanks:{ticket.pk}",
            client_id=ticket.client_id,
        )

    signals.ticket_closed.connect(queue, dispatch_uid="tests.reliability.thank_you")
    yield
    signals.ticket_closed.disconnect(dispatch_uid="tests.reliability.thank_you")


def raise_after(original):
    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        raise InjectedFault

    return wrapper


def raise_instead(*args, **kwargs):
    raise InjectedFault


def raise_after_first_ledger_write(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if sql.startswith(("INSERT INTO loyalty_", "WITH ")):
        raise InjectedFault
    return result


def inject_close_fault(where: str, monkeypatch) -> None:
    from loyalty import ledger
    from loyalty.earning import reconcile

    if where == "ticket saved, before the ledger":
        monkeypatch.setattr(reconcile, "ticket_points_reconcile", raise_instead)
    elif where == "first ledger statement written, before the rest":
        # On SQLite the snapshot, balances and entries are three statements; on PostgreSQL
        # one, so the fault comes after all of it there.
        database = connections[DEFAULT_DB_ALIAS]
        monkeypatch.setattr(
            database,
            "execute_wrappers",
            [*database.execute_wrappers, raise_after_first_ledger_write],
        )
    elif where == "ledger and balance written, before the close returns":
        monkeypatch.setattr(ledger, "entries_post", raise_after(ledger.entries_post))
    elif where == "after every receiver, text queued":
        monkeypatch.setattr(signals.ticket_closed, "send", raise_after(signals.ticket_closed.send))


CLOSE_FAULTS = [
    "ticket saved, before the ledger",
    "first ledger statement written, before the rest",
    "ledger and balance written, before the close returns",
    "after every receiver, text queued",
]


@pytest.mark.parametrize("where", CLOSE_FAULTS)
def test_a_fault_inside_the_close_leaves_no_partial_write(
    where,
    two_per_dollar,
    thank_you_text,
    monkeypatch,
    django_capture_on_commit_callbacks,
    sms_outbox,
):  # SPEC §1, R7, R13
    ticket = paid_ticket("100.00")
    inject_close_fault(where, monkeypatch)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InjectedFault),
    ):
        ticket_close(ticket=ticket)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (TicketStatus.OPEN, None)
    assert PointsEntry.objects.count() == 0
    assert not TicketEarningSnapshot.objects.exists()
    assert client_points_balance(client=ticket.client) == Balance(pending=0, redeemable=0)
    assert Message.objects.count() == 0
    assert callbacks == []
    assert sms_outbox == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_close(ticket=ticket)
    assert client_points_balance(client=ticket.client) == Balance(pending=200, redeemable=0)
    assert [message.body for message in sms_outbox] == ["Thanks for your visit!"]


@pytest.mark.parametrize("after_the_ledger", [False, True], ids=["before-ledger", "after-ledger"])
def test_a_fault_inside_a_redemption_leaves_no_payment_and_no_debit(
    after_the_ledger, manager, front_desk, monkeypatch
):  # R22
    from loyalty import ledger

    ticket = ticket_with_lines("100.00")
    points_adjust(client=ticket.client, points=800, reason="welcome", user=manager)
    fault = raise_after(ledger.entries_post) if after_the_ledger else raise_instead
    monkeypatch.setattr(ledger, "entries_post", fault)

    with pytest.raises(InjectedFault):
        points_redeem(ticket=ticket, points=500, user=front_desk)

    assert Payment.objects.filter(ticket=ticket).count() == 0
    assert ticket_selectors.ticket_balance_due(ticket=ticket) == Decimal("100.00")
    assert client_points_balance(client=ticket.client) == Balance(pending=0, redeemable=800)
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()


def statement_timeout_then_original(original):
    """The first call runs into a real PostgreSQL statement timeout (SET LOCAL, undone with
    the transaction); on SQLite, the error its driver gives for a lock wait that ran out."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout = '50ms'")
                    cursor.execute("SELECT pg_sleep(5)")
            raise OperationalError("database is locked")
        return original(*args, **kwargs)

    return wrapper


def dropped_connection_then_original(original):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise InterfaceError("connection already closed")
        return original(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(
    "fault", [statement_timeout_then_original, dropped_connection_then_original]
)
def test_a_database_fault_is_a_clean_503_and_the_retry_closes_once(
    fault, two_per_dollar, front_desk_api, monkeypatch
):  # SPEC §11, R13, R31
    ticket = paid_ticket("100.00")
    monkeypatch.setattr(
        ticket_sql, "ticket_close_if_settled", fault(ticket_sql.ticket_close_if_settled)
    )
    url = f"/api/v1/tickets/{ticket.pk}/close/"
    headers = {"Idempotency-Key": "close-after-fault"}

    failed = front_desk_api.post(url, headers=headers)

    assert failed.status_code == 503
    assert failed["Retry-After"] == str(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert set(failed.json()) == {"detail", "code"}
    assert failed.json()["code"] == "database_unavailable"
    assert "nothing was changed" in failed.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN
    assert PointsEntry.objects.count() == 0

    retried = front_desk_api.post(url, headers=headers)
    replayed = front_desk_api.post(url, headers=headers)

    assert retried.status_code == replayed.status_code == 200
    assert retried.json()["status"] == "closed"
    assert "Idempotent-Replayed" not in retried
    assert replayed["Idempotent-Replayed"] == "true"
    assert list(PointsEntry.objects.values_list("points", flat=True)) == [200]


def test_a_database_fault_without_a_key_is_a_503_too(front_desk_api, monkeypatch):  # SPEC §11
    monkeypatch.setattr(lifecycle, "ticket_open", raise_database_locked)
    answer = front_desk_api.post("/api/v1/tickets/", {}, format="json")
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert Ticket.objects.count() == 0


def raise_database_locked(*args, **kwargs):
    raise OperationalError("database is locked")


def terminate_own_connection_then_original(original):
    """The first call has PostgreSQL end this request's own connection (as a failover or a
    restarted server would), then carries on: its next query finds the connection gone."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                own_pid = cursor.fetchone()[0]
            with psycopg.connect(**postgres_connect_arguments(), autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [own_pid])
        return original(*args, **kwargs)

    return wrapper


def postgres_connect_arguments() -> dict:
    database = connection.settings_dict
    arguments = {"dbname": database["NAME"], "user": database["USER"]}
    arguments.update({name: database[key] for name, key in [("host", "HOST"), ("port", "PORT")]})
    if database["PASSWORD"]:
        arguments["password"] = database["PASSWORD"]
    return arguments


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_request_is_a_503_and_the_retry_closes_once(
    postgres_only, two_per_dollar, front_desk_api, monkeypatch
):  # SPEC §11, R13, R31
    ticket = paid_ticket("100.00")
    monkeypatch.setattr(
        ticket_sql,
        "ticket_close_if_settled",
        terminate_own_connection_then_original(ticket_sql.ticket_close_if_settled),
    )
    url = f"/api/v1/tickets/{ticket.pk}/close/"
    headers = {"Idempotency-Key": "close-after-drop"}

    failed = front_desk_api.post(url, headers=headers)
    retried = front_desk_api.post(url, headers=headers)

    assert failed.status_code == 503
    assert failed["Retry-After"] == str(DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert retried.status_code == 200
    assert retried.json()["status"] == "closed"
    assert list(PointsEntry.objects.values_list("points", flat=True)) == [200]
