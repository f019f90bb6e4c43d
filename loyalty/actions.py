"""The earning-action catalogue of SPEC §3, in one place: code, label, basis, referrer cell."""

from dataclasses import dataclass

from django.db import models


class Action(models.TextChoices):
    SERVICE_PURCHASE = "service_purchase", "Service purchase"
    PRODUCT_PURCHASE = "product_purchase", "Retail (product) purchase"
    DAY_PACKAGE_PURCHASE = "day_package_purchase", "Day package purchase"
    SERIES_PACKAGE_PURCHASE = "series_package_purchase", "Series / custom package purchase"
    MEMBERSHIP_PURCHASE = "membership_purchase", "Membership purchase"
    GIFT_CARD_PURCHASE = "gift_card_purchase", "Gift card purchase"
    FIRST_VISIT = "first_visit", "First visit and payment"
    PREBOOKED_APPOINTMENT = "prebooked_appointment", "Prebooked appointment (rebook)"
    ONLINE_BOOKING = "online_booking", "Online appointment booking"
    PRODUCT_RESERVATION = "product_reservation", "Product reservation"
    ONLINE_SIGNUP = "online_signup", "Online sign-up"
    FEEDBACK = "feedback", "Provide feedback"
    SHARED_FEEDBACK = "shared_feedback", "Feedback shared online"
    CLIENT_REFERRAL = "client_referral", "Referring a new client"
    REFERRED_MEMBERSHIP_PURCHASE = (
        "referred_membership_purchase",
        "Membership bought by referred client",
    )
    REFERRED_PACKAGE_PURCHASE = "referred_package_purchase", "Package bought by referred client"


class Basis(models.TextChoices):
    SPEND = "spend", "Per amount spent"
    PER_VISIT = "per_visit", "Per visit"


class Beneficiary(models.TextChoices):
    """Who an earning entry is for: the ticket's client or that client's referrer."""

    CLIENT = "client", "Client"
    REFERRER = "referrer", "Referrer"


@dataclass(frozen=True)
class ActionInfo:
    basis: str
    # True: the "Points to referrer" cell is configurable (R6); False: it is NA.
    referrer_eligible: bool
    # Who earns the rule's `points`: the client, or (for the referral actions) the referrer.
    earner: str = Beneficiary.CLIENT
    # Spend actions: the item kind whose lines earn under this action (R29).
    item_kind: str | None = None


ACTIONS: dict[str, ActionInfo] = {
    Action.SERVICE_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="service"),
    Action.PRODUCT_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="product"),
    Action.DAY_PACKAGE_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="day_package"),
    Action.SERIES_PACKAGE_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="series_package"),
    Action.MEMBERSHIP_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="membership"),
    Action.GIFT_CARD_PURCHASE: ActionInfo(Basis.SPEND, True, item_kind="gift_card"),
    Action.FIRST_VISIT: ActionInfo(Basis.PER_VISIT, False),
    Action.PREBOOKED_APPOINTMENT: ActionInfo(Basis.PER_VISIT, True),
    Action.ONLINE_BOOKING: ActionInfo(Basis.PER_VISIT, True),
    Action.PRODUCT_RESERVATION: ActionInfo(Basis.PER_VISIT, False),
    Action.ONLINE_SIGNUP: ActionInfo(Basis.PER_VISIT, False),
    Action.FEEDBACK: ActionInfo(Basis.PER_VISIT, False),
    Action.SHARED_FEEDBACK: ActionInfo(Basis.PER_VISIT, False),
    Action.CLIENT_REFERRAL: ActionInfo(Basis.PER_VISIT, False, earner=Beneficiary.REFERRER),
    Action.REFERRED_MEMBERSHIP_PURCHASE: ActionInfo(
        Basis.PER_VISIT, False, earner=Beneficiary.REFERRER
    ),
    Action.REFERRED_PACKAGE_PURCHASE: ActionInfo(
        Basis.PER_VISIT, False, earner=Beneficiary.REFERRER
    ),
}

SPEND_ACTIONS = tuple(str(code) for code, info in ACTIONS.items() if info.basis == Basis.SPEND)
REFERRER_ELIGIBLE_ACTIONS = tuple(
    str(code) for code, info in ACTIONS.items() if info.referrer_eligible
)
# Earned outside ticket close (R7 exceptions): recorded by the feedback receivers.
FEEDBACK_ACTIONS = (str(Action.FEEDBACK), str(Action.SHARED_FEEDBACK))
