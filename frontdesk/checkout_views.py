"""The checkout screen of an open ticket (issue #14): admin pages whose forms post to one
service each and answer, for htmx, the re-drawn checkout panel (no page reload); without
JavaScript the same forms post and redirect back. Refusals show the service's message."""

import re
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Item
from frontdesk.checkout import checkout_items, ticket_checkout
from loyalty.redemption import points_redeem
from salon.errors import DomainError
from tickets.lifecycle import ticket_close
from tickets.lines import line_net_amount, ticket_add_line, ticket_remove_line
from tickets.models import Payment, PaymentMethod, TicketLine, TicketStatus
from tickets.payments import payment_add, payment_remove

PLAIN_AMOUNT = re.compile(r"[0-9]{1,5}(\.[0-9]{1,2})?", re.ASCII)

# The desk takes these by hand; points are taken by Redeem (R21).
DESK_METHODS = [
    (value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.POINTS
]


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _money(value: str, *, field: str, label: str) -> Decimal | None:
    """A typed amount, or None when left empty; anything else is the desk's typo (400)."""
    value = (value or "").strip().removeprefix("$")
    if not value:
        return None
    # Plain figures only (R76): no exponent, sign or digits of other scripts.
    if not PLAIN_AMOUNT.fullmatch(value):
        raise DomainError(f"{label} must be an amount such as 12.50.", field=field)
    return Decimal(value)


def _whole(value: str, *, field: str, label: str, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise DomainError(f"{label} must be a whole number.", field=field)
    return int(value)


def _item_chosen(value: str) -> Item | None:
    """The item picked in the form; tickets' service refuses an inactive one in words."""
    if not (value.isascii() and value.isdigit()):
        return None
    return Item.objects.filter(pk=int(value)).first()


def _line_figures(data) -> dict:
    """Quantity, price (None: the item's) and discount of the line form, as the tickets
    services take them."""
    discount = _money(data.get("discount"), field="discount", label="The discount")
    percent = data.get("discount_kind") == "percent"
    return {
        "quantity": _whole(data.get("quantity"), field="quantity", label="Quantity", default=1),
        "unit_price": _money(data.get("unit_price"), field="unit_price", label="The price"),
        "discount_amount": None if percent else discount,
        "discount_percent": discount if percent else None,
    }


def _panel(request, ticket_id: int, *, error: str = "", status: int = 200):
    checkout = ticket_checkout(ticket_id=ticket_id)
    if checkout is None:
        raise Http404
    context = {
        **admin.site.each_context(request),
        "title": f"Checkout: {checkout.ticket}",
        "checkout": checkout,
        "open": checkout.ticket.status == TicketStatus.OPEN,
        # The checkout needs the window's width (1366 px without scrolling sideways).
        "is_nav_sidebar_enabled": False,
        "ticket": checkout.ticket,
        "items": checkout_items(),
        "methods": DESK_METHODS,
        "error": error,
        "may_redeem": request.user.has_perm("loyalty.redeem_points"),
        "may_change": request.user.has_perm("tickets.change_ticket"),
    }
    template = (
        "admin/frontdesk/checkout_panel.html" if request.htmx else "admin/frontdesk/checkout.html"
    )
    return TemplateResponse(request, template, context, status=status)


def checkout_view(request, ticket_id):
    """GET: the checkout screen of a ticket (R30, R44 amounts, R19-R21 points)."""
    _require(request, "tickets.view_ticket")
    return _panel(request, ticket_id)


def _act(request, ticket_id, action) -> object:
    """Run one write for the screen: htmx gets the re-drawn panel (a refusal as its alert,
    status 400, nothing changed), a plain form post gets a redirect with a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require(request, "tickets.change_ticket")
    try:
        done = action()
    except DomainError as refused:
        if request.htmx:
            return _panel(request, ticket_id, error=refused.message, status=400)
        messages.error(request, refused.message)
    else:
        if not request.htmx:
            messages.success(request, done)
        elif ticket_id is not None:
            return _panel(request, ticket_id)
    return HttpResponseRedirect(reverse("frontdesk-checkout", args=[ticket_id]))


def _ticket(ticket_id):
    checkout = ticket_checkout(ticket_id=ticket_id)
    if checkout is None:
        raise Http404
    return checkout.ticket


def line_add_view(request, ticket_id):
    def action():
        item = _item_chosen(request.POST.get("item", ""))
        if item is None:
            raise DomainError("Choose an item.", field="item")
        ticket_add_line(
            ticket=_ticket(ticket_id), item=item, user=request.user, **_line_figures(request.POST)
        )
        return f"{item.name} added."

    return _act(request, ticket_id, action)


def line_remove_view(request, ticket_id, line_id):
    def action():
        line = get_object_or_404(TicketLine, pk=line_id, ticket_id=ticket_id)
        ticket_remove_line(line=line, user=request.user)
        return f"{line.item} removed."

    return _act(request, ticket_id, action)


def payment_add_view(request, ticket_id):
    def action():
        method = request.POST.get("method", "")
        if method not in dict(DESK_METHODS):
            raise DomainError("Choose how the client pays.", field="method")
        amount = _money(request.POST.get("amount"), field="amount", label="The amount")
        if amount is None:
            raise DomainError("Enter the amount paid.", field="amount")
        payment_add(ticket=_ticket(ticket_id), method=method, amount=amount, user=request.user)
        return f"{PaymentMethod(method).label} ${amount:.2f} taken."

    return _act(request, ticket_id, action)


def payment_remove_view(request, ticket_id, payment_id):
    def action():
        payment = get_object_or_404(Payment, pk=payment_id, ticket_id=ticket_id)
        payment_remove(payment=payment, user=request.user)
        return f"{payment.get_method_display()} payment removed."

    return _act(request, ticket_id, action)


def redeem_view(request, ticket_id):
    def action():
        points = _whole(request.POST.get("points"), field="points", label="Points")
        if points is None:
            raise DomainError("Enter the points to redeem.", field="points")
        payment = points_redeem(ticket=_ticket(ticket_id), points=points, user=request.user)
        return f"{payment.points} points paid ${payment.amount}."

    return _act(request, ticket_id, action)


def close_view(request, ticket_id):
    """Close the ticket (R31, R48); the desk goes back to the day sheet."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require(request, "tickets.change_ticket")
    ticket = _ticket(ticket_id)
    try:
        ticket_close(ticket=ticket, user=request.user)
    except DomainError as refused:
        if request.htmx:
            return _panel(request, ticket_id, error=refused.message, status=400)
        messages.error(request, refused.message)
        return HttpResponseRedirect(reverse("frontdesk-checkout", args=[ticket_id]))
    messages.success(request, f"{ticket} is closed.")
    target = reverse("frontdesk-checkout", args=[ticket_id])
    if request.htmx:
        # A whole page load, so the message shows (an XHR would follow a 302 silently).
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


def line_preview_view(request, ticket_id):
    """The price and net of the line being typed, before it is added: one query (the
    item). Only the item's price is read; the figures come from tickets' own rounding."""
    _require(request, "tickets.view_ticket")
    item = _item_chosen(request.GET.get("item", ""))
    context = {"item": item, "error": ""}
    if item is not None:
        try:
            unit_price = _money(
                request.GET.get("unit_price"), field="unit_price", label="The price"
            )
            discount = _money(request.GET.get("discount"), field="discount", label="The discount")
            percent = request.GET.get("discount_kind") == "percent"
            quantity = _whole(
                request.GET.get("quantity"), field="quantity", label="Quantity", default=1
            )
            unit_price = item.price if unit_price is None else unit_price
            context.update(
                unit_price=unit_price,
                net=line_net_amount(
                    quantity=quantity,
                    unit_price=unit_price,
                    discount_amount=None if percent else discount,
                    discount_percent=discount if percent else None,
                ),
            )
        except DomainError as refused:
            context["error"] = refused.message
    return TemplateResponse(request, "admin/frontdesk/checkout_line_preview.html", context)
