"""Admin template tags of the front desk: the day sheet, a ticket's payment area and a
client's balance line. Other apps' templates use them without their Python importing
frontdesk (it sits at the bottom of the dependency chain)."""

from datetime import date

from django import template
from django.utils import timezone

from frontdesk.checkout import ticket_payment
from frontdesk.day_sheet import day_sheet
from loyalty.rewards_box import client_points_balance
from salon.formats import phone_display
from salon.money import points_to_dollars

register = template.Library()


@register.inclusion_tag("admin/frontdesk/day_sheet.html", takes_context=True)
def frontdesk_day_sheet(context):
    """The desk's home page (issue #14): the day of `?day=YYYY-MM-DD`, else today."""
    request = context["request"]
    user = request.user
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = None
    may_see_appointments = user.has_perm("appointments.view_appointment")
    return {
        "sheet": day_sheet(day=day) if may_see_appointments else None,
        "today": timezone.localdate(),
        "request": request,
        "can": {
            "appointments": may_see_appointments,
            "change_appointments": user.has_perm("appointments.change_appointment"),
            "tickets": user.has_perm("tickets.view_ticket"),
            "open_ticket": user.has_perm("tickets.add_ticket"),
            "clients": user.has_perm("clients.view_client"),
            "add_client": user.has_perm("clients.add_client"),
            "add_appointment": user.has_perm("appointments.add_appointment"),
            "manager": user.has_perm("loyalty.change_loyaltysettings"),
            "rules": user.has_perm("loyalty.change_earningrule"),
            "settings": user.has_perm("loyalty.change_loyaltysettings"),
            "features": user.has_perm("salon.change_features"),
            "adjust": user.has_perm("loyalty.adjust_points"),
        },
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("admin/frontdesk/collect_payment.html", takes_context=True)
def ticket_collect_payment(context, ticket):
    """Amounts, the client's points and a Redeem link with the most points usable now."""
    if ticket is None or ticket.pk is None:
        return {"ticket": None}
    user = context["request"].user
    return {
        "ticket": ticket,
        "payment": ticket_payment(ticket=ticket),
        "may_redeem": user.has_perm("loyalty.redeem_points"),
    }


@register.simple_tag
def client_balance(client):
    """'pending P · redeemable R ($V)' for one client (the merge confirmation page)."""
    balance = client_points_balance(client=client)
    return (
        f"{balance.pending} pending · {balance.redeemable} redeemable "
        f"(${points_to_dollars(balance.redeemable)})"
    )


@register.filter
def phone(value) -> str:
    """A phone as the desk dials it: "(202) 555-0101" (salon.formats.phone_display)."""
    return phone_display(value)


@register.filter
def money(amount) -> str:
    """$1,234.50 (and -$5.00): how the desk and receipts show money."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


@register.filter
def tax_percent(percent) -> str:
    """8.875 %, 20 %: the percent without trailing zeros."""
    if percent is None:
        return ""
    return f"{percent.normalize():f} %"
