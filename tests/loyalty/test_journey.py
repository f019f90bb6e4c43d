"""A client's journey through the real services of every app: appointments, tickets,
feedback, redemption (SPEC §3, R5-R7, R12, R15, R20-R22, R37)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.booking import appointment_book, reservation_create
from catalog.models import ItemKind
from clients.models import ClientSource
from feedback.services import feedback_record, feedback_share
from loyalty.actions import Action
from loyalty.redemption import points_redeem
from loyalty.rewards_box import Balance, client_points_balance
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import rule_set
from tickets.lifecycle import ticket_close, ticket_open
from tickets.payments import payment_add
from tickets.selectors import ticket_balance_due

pytestmark = pytest.mark.django_db


def pay_and_close(ticket):
    payment_add(ticket=ticket, method="card", amount=ticket_balance_due(ticket=ticket))
    return ticket_close(ticket=ticket)


def test_referred_online_client_journey(manager, front_desk, time_machine):
    time_machine.move_to(timezone.now().replace(hour=15), tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"), referrer_points=1)
    rule_set(Action.PRODUCT_PURCHASE, points=1, spend_unit=Decimal("1.00"))
    rule_set(Action.FIRST_VISIT, points=100)
    rule_set(Action.ONLINE_SIGNUP, points=50)
    rule_set(Action.CLIENT_REFERRAL, points=300)
    rule_set(Action.PREBOOKED_APPOINTMENT, points=40, referrer_points=4)
    rule_set(Action.ONLINE_BOOKING, points=30, referrer_points=3)
    rule_set(Action.PRODUCT_RESERVATION, points=20)
    rule_set(Action.FEEDBACK, points=45)
    rule_set(Action.SHARED_FEEDBACK, points=75)
    referrer = ClientFactory()
    newcomer = ClientFactory(source=ClientSource.APP, referred_by=referrer)
    haircut = ItemFactory(kind=ItemKind.SERVICE, price=Decimal("100.00"))
    shampoo = ItemFactory(kind=ItemKind.PRODUCT, price=Decimal("20.00"))

    # Visit 1 booked in the app: haircut; rebooks at checkout, reserves a shampoo.
    first_appointment = appointment_book(
        client=newcomer,
        item=haircut,
        start=timezone.now() + timedelta(hours=1),
        source=ClientSource.APP,
    )
    # The ticket starts with the appointment's haircut (R48).
    ticket = ticket_open(client=newcomer, appointment=first_appointment)
    rebook = appointment_book(
        client=newcomer, item=haircut, start=timezone.now() + timedelta(days=14)
    )
    assert rebook.prebooked
    reservation = reservation_create(client=newcomer, item=shampoo)
    pay_and_close(ticket)
    # 200 spend + 100 first visit + 50 sign-up + 30 online booking
    assert client_points_balance(client=newcomer) == Balance(pending=380, redeemable=0)
    # 100 spend + 300 referral + 3 online booking
    assert client_points_balance(client=referrer).pending == 403

    feedback = feedback_record(client=newcomer, ticket=ticket, rating=5, share_permission=True)
    feedback_share(feedback=feedback, user=manager)
    assert client_points_balance(client=newcomer).pending == 380 + 45 + 75

    # Visit 2, two weeks later: the prebooked appointment and the reserved shampoo.
    time_machine.shift(timedelta(days=14))
    assert client_points_balance(client=newcomer) == Balance(pending=0, redeemable=500)
    # The ticket starts with the appointment's haircut and the reserved shampoo (R48).
    second = ticket_open(client=newcomer, appointment=rebook, reservation=reservation)
    payment = points_redeem(ticket=second, points=500, user=front_desk)
    assert payment.amount == Decimal("5.00")
    pay_and_close(second)
    # 240 spend (R10: points don't reduce it) + 40 prebooked + 20 reservation
    assert client_points_balance(client=newcomer) == Balance(
        pending=200 + 20 + 40 + 20, redeemable=0
    )
    # 100 spend + 4 prebooked, on top of the 403 now redeemable
    assert client_points_balance(client=referrer) == Balance(pending=104, redeemable=403)
