"""Who closed and who voided a ticket (#12 item 5): recorded by the close and the void
however the ticket closes (service, API, admin, the checkout screen); a retry keeps the
first; shown read-only in admin and in the ticket API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client as BrowserClient

from salon.users import acting_user
from tests.accounts.factories import UserFactory
from tickets.lifecycle import ticket_close, ticket_void
from tickets.models import Ticket, TicketStatus

from .factories import closed_ticket, paid_ticket

pytestmark = pytest.mark.django_db


def browser_for(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


def test_the_close_records_who_closed(front_desk):
    closed = ticket_close(ticket=paid_ticket("40.00"), user=front_desk)
    assert closed.closed_by == front_desk
    assert Ticket.objects.get(pk=closed.pk).closed_by == front_desk


def test_a_retried_close_keeps_the_first_closer(front_desk, manager):  # R31: a no-op
    ticket = paid_ticket("40.00")
    ticket_close(ticket=ticket, user=front_desk)
    ticket_close(ticket=ticket, user=manager)
    assert Ticket.objects.get(pk=ticket.pk).closed_by == front_desk


def test_a_close_without_a_signed_in_user_records_nobody():
    closed = ticket_close(ticket=paid_ticket("40.00"), user=AnonymousUser())
    assert (closed.status, Ticket.objects.get(pk=closed.pk).closed_by) == (
        TicketStatus.CLOSED,
        None,
    )


def test_the_void_records_who_voided_and_a_second_void_keeps_it(front_desk, manager):
    ticket = paid_ticket("40.00")
    ticket_void(ticket=ticket, user=front_desk, reason="left")
    ticket_void(ticket=ticket, user=manager, reason="again")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.voided_by, ticket.void_reason) == (
        TicketStatus.VOIDED,
        front_desk,
        "left",
    )


def test_a_refund_records_the_manager_who_voided(front_desk, manager):  # R16
    ticket = closed_ticket("40.00")
    ticket_void(ticket=ticket, user=manager, reason="refund")
    ticket.refresh_from_db()
    assert (ticket.closed_by, ticket.voided_by) == (None, manager)


def test_the_api_shows_who_opened_closed_and_voided(front_desk_api, front_desk, manager_api):
    ticket = paid_ticket("40.00")
    closed = front_desk_api.post(f"/api/v1/tickets/{ticket.pk}/close/").json()
    assert (closed["status"], closed["closed_by"], closed["voided_by"]) == (
        "closed",
        front_desk.pk,
        None,
    )
    voided = manager_api.post(
        f"/api/v1/tickets/{ticket.pk}/void/", {"reason": "refund"}, format="json"
    ).json()
    manager = Ticket.objects.get(pk=ticket.pk).voided_by
    assert (voided["status"], voided["closed_by"], voided["voided_by"]) == (
        "voided",
        front_desk.pk,
        manager.pk,
    )
    assert manager.groups.filter(name="Manager").exists()


def test_the_checkout_screen_records_who_closed(front_desk):
    ticket = paid_ticket("40.00")
    desk = browser_for(front_desk)
    desk.post(f"/admin/frontdesk/tickets/{ticket.pk}/checkout/close/", HTTP_HX_REQUEST="true")
    assert Ticket.objects.get(pk=ticket.pk).closed_by == front_desk


@pytest.mark.parametrize("who", [None, AnonymousUser()])
def test_nobody_signed_in_is_no_acting_user(who):
    assert acting_user(who) is None


def test_the_acting_user_of_a_request_is_its_signed_in_user(rf):
    user = UserFactory()
    request = rf.get("/")
    request.user = user
    assert (acting_user(request), acting_user(user)) == (user, user)
