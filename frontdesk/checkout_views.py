"""The checkout screen of an open ticket (issue #14): admin pages whose forms post to one
service each and answer, for htmx, the re-drawn checkout panel (no page reload); without
JavaScript the same forms post and redirect back. Refusals show the service's message.
The previews the desk sees while typing are in checkout_previews.py."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from frontdesk import checkout_input as typed
from frontdesk.checkout import checkout_items, ticket_checkout
from frontdesk.services import CHANNEL_WORDS, receipt_send
from loyalty.redemption import points_redeem
from salon.admin_pages import permission_require
from salon.errors import DomainError
from tickets.lifecycle import ticket_close, ticket_set_client
from tickets.lines import ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.models import (
    DESK_METHOD_CHOICES,
    DESK_METHODS,
    Payment,
    PaymentMethod,
    Ticket,
    TicketLine,
    TicketStatus,
    Tip,
)
from tickets.payments import payment_add, payment_remove
from tickets.tips import tip_add, tip_remove

# How the screen offers to send a receipt (R49).
RECEIPT_CHANNELS = list(CHANNEL_WORDS.items())


def _panel(request, ticket_id: int, *, error: str = "", notice: str = "", status: int = 200):
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
        "methods": DESK_METHOD_CHOICES,
        "error": error,
        "notice": notice,
        "receipt_channels": RECEIPT_CHANNELS,
        "sent_channels": [way for way, times in (checkout.receipt_sent or {}).items() if times],
        "may_redeem": request.user.has_perm("loyalty.redeem_points"),
        "may_change": request.user.has_perm("tickets.change_ticket"),
    }
    template = (
        "admin/frontdesk/checkout_panel.html" if request.htmx else "admin/frontdesk/checkout.html"
    )
    return TemplateResponse(request, template, context, status=status)


def checkout_view(request, ticket_id):
    """GET: the checkout screen of a ticket (R30, R44 amounts, R19-R21 points)."""
    permission_require(request, "tickets.view_ticket")
    return _panel(request, ticket_id)


def _act(request, ticket_id, action) -> object:
    """Run one write for the screen: htmx gets the re-drawn panel with what was done (a
    refusal as its alert, status 400, nothing changed), a plain form post gets a redirect
    with a message."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    permission_require(request, "tickets.change_ticket")
    try:
        done = action()
    except DomainError as refused:
        if request.htmx:
            return _panel(request, ticket_id, error=refused.message, status=400)
        messages.error(request, refused.message)
    else:
        if request.htmx:
            return _panel(request, ticket_id, notice=done)
        messages.success(request, done)
    return HttpResponseRedirect(reverse("frontdesk-checkout", args=[ticket_id]))


def _ticket(ticket_id) -> Ticket:
    return get_object_or_404(Ticket, pk=ticket_id)


def line_add_view(request, ticket_id):
    def action():
        item = typed.item_chosen(request.POST.get("item", ""))
        if item is None:
            raise DomainError("Choose an item.", field="item")
        ticket_add_line(
            ticket=_ticket(ticket_id),
            item=item,
            staff=typed.staff_chosen(request.POST.get("staff", "")),
            **typed.line_figures(request.POST),
        )
        return f"{item.name} added."

    return _act(request, ticket_id, action)


def line_staff_view(request, ticket_id, line_id):
    """Who did a line (R41): another stylist, or no one named (staff is optional)."""

    def action():
        line = get_object_or_404(
            TicketLine.objects.select_related("item"), pk=line_id, ticket_id=ticket_id
        )
        staff = typed.staff_chosen(request.POST.get("staff", ""))
        ticket_update_line(line=line, user=request.user, staff=staff)
        who = staff.name if staff is not None else "no one"
        return f"{line.item.name}: by {who}."

    return _act(request, ticket_id, action)


def line_remove_view(request, ticket_id, line_id):
    def action():
        line = get_object_or_404(TicketLine, pk=line_id, ticket_id=ticket_id)
        ticket_remove_line(line=line, user=request.user)
        return f"{line.item} removed."

    return _act(request, ticket_id, action)


def tip_add_view(request, ticket_id):
    """A tip for a staff member (R45): adds to the total, never to what points may pay."""

    def action():
        amount = typed.money(request.POST.get("amount"), field="amount", label="The tip")
        if amount is None:
            raise DomainError("Enter the tip.", field="amount")
        staff = typed.staff_chosen(request.POST.get("staff", ""))
        tip_add(ticket=_ticket(ticket_id), amount=amount, staff=staff, user=request.user)
        return f"Tip ${amount:.2f}" + (f" for {staff.name}" if staff else "") + " added."

    return _act(request, ticket_id, action)


def tip_remove_view(request, ticket_id, tip_id):
    def action():
        tip = get_object_or_404(Tip, pk=tip_id, ticket_id=ticket_id)
        tip_remove(tip=tip)
        return f"Tip ${tip.amount:.2f} removed."

    return _act(request, ticket_id, action)


def payment_add_view(request, ticket_id):
    """Take a payment; cash may say what was handed over and the change is shown (R47)."""

    def action():
        method = request.POST.get("method", "")
        if method not in DESK_METHODS:
            raise DomainError("Choose how the client pays.", field="method")
        amount = typed.money(request.POST.get("amount"), field="amount", label="The amount")
        if amount is None:
            raise DomainError("Enter the amount paid.", field="amount")
        tendered = None
        if method == PaymentMethod.CASH:  # the field is for cash only: other methods ignore it
            tendered = typed.money(
                request.POST.get("tendered"), field="tendered", label="The cash handed over"
            )
        payment = payment_add(
            ticket=_ticket(ticket_id),
            method=method,
            amount=amount,
            tendered=tendered,
            user=request.user,
        )
        taken = f"{PaymentMethod(method).label} ${amount:.2f} taken."
        if payment.change is not None:
            taken += f" Change due: ${payment.change:.2f}."
        return taken

    return _act(request, ticket_id, action)


def payment_remove_view(request, ticket_id, payment_id):
    def action():
        payment = get_object_or_404(Payment, pk=payment_id, ticket_id=ticket_id)
        payment_remove(payment=payment)
        return f"{payment.get_method_display()} payment removed."

    return _act(request, ticket_id, action)


def redeem_view(request, ticket_id):
    def action():
        points = typed.whole(request.POST.get("points"), field="points", label="Points")
        if points is None:
            raise DomainError("Enter the points to redeem.", field="points")
        payment = points_redeem(ticket=_ticket(ticket_id), points=points, user=request.user)
        return f"{payment.points} points paid ${payment.amount}."

    return _act(request, ticket_id, action)


def client_set_view(request, ticket_id):
    """Give the ticket a client, or another one (R48): a walk-in who turns out to be a
    regular earns on this visit."""

    def action():
        client = typed.client_chosen(request.POST.get("client", ""))
        ticket_set_client(ticket=_ticket(ticket_id), client=client)
        return f"The ticket is now {client}'s."

    return _act(request, ticket_id, action)


def close_view(request, ticket_id):
    """Close the ticket (R31, R48); the screen then offers the receipt."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    permission_require(request, "tickets.change_ticket")
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


def receipt_send_view(request, ticket_id):
    """Send the closed ticket's receipt by text or e-mail (R49), once per channel unless
    sent again on purpose."""

    def action():
        sent = receipt_send(
            ticket=_ticket(ticket_id),
            channel=request.POST.get("channel", ""),
            resend=request.POST.get("resend") == "1",
        )
        return sent.message

    return _act(request, ticket_id, action)
