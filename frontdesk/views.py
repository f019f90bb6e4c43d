"""Admin pages of the front desk. Each reads through a selector or calls ONE service;
refusals come back as admin messages and change nothing."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme

from appointments.models import Appointment
from appointments.services import (
    appointment_cancel,
    appointment_check_in,
    appointment_confirm,
    appointment_no_show,
)
from clients.models import Client
from clients.selectors import client_profile_photo
from frontdesk.receipts import ticket_receipt
from frontdesk.report_charts import report_charts, report_tables
from frontdesk.selectors import client_log, dashboard
from frontdesk.services import receipt_send, receipt_sends_so_far
from loyalty.reports import action_labels, loyalty_report, report_period
from salon.admin_pages import permission_require
from salon.errors import DomainError
from tickets.lifecycle import ticket_open
from tickets.models import Ticket

# move in the URL: (service, what the desk reads when it's done, ask before doing it)
APPOINTMENT_MOVES = {
    "confirm": (appointment_confirm, "confirmed", False),
    "check-in": (appointment_check_in, "checked in", False),
    "cancel": (appointment_cancel, "cancelled", True),
    "no-show": (appointment_no_show, "marked a no-show", True),
}


def client_log_view(request, client_id):
    """The Client Log (R28): photo, rewards box and the timeline; `?before=` pages back."""
    permission_require(request, "clients.view_client")
    client = get_object_or_404(Client.objects.select_related("merged_into"), pk=client_id)
    before = parse_datetime(request.GET.get("before", ""))
    if before is not None and timezone.is_naive(before):
        before = timezone.make_aware(before)
    log = client_log(client=client, before=before)
    photo = client_profile_photo(client=client)
    context = {
        **admin.site.each_context(request),
        "title": f"Client Log: {client}",
        "opts": Client._meta,
        "client": client,
        "log": log,
        "photo_url": (
            reverse("client-file-download", kwargs={"client_id": client.pk, "file_id": photo.pk})
            if photo
            else None
        ),
        "may_open_ticket": request.user.has_perm("tickets.add_ticket") and not client.is_tombstone,
        "paged": before is not None,
    }
    return TemplateResponse(request, "admin/frontdesk/client_log.html", context)


def _back(request, fallback: str) -> str:
    """Where the desk came from (`next`), if it is this site, else `fallback`."""
    back = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return back
    return fallback


def _day_sheet_url(appointment: Appointment) -> str:
    day = timezone.localdate(appointment.start)
    return f"{reverse('admin:index')}?day={day.isoformat()}#appointment-{appointment.pk}"


def appointment_move_view(request, appointment_id, move):
    """A move on a day-sheet block (R35). Check in and confirm act at once; cancel and
    no-show ask first (GET shows the question, POST answers it)."""
    permission_require(request, "appointments.change_appointment")
    if move not in APPOINTMENT_MOVES:
        raise Http404
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "item"), pk=appointment_id
    )
    service, done, asks_first = APPOINTMENT_MOVES[move]
    back = _back(request, _day_sheet_url(appointment))
    if request.method != "POST":
        if not asks_first:
            return HttpResponseNotAllowed(["POST"])
        context = {
            **admin.site.each_context(request),
            "title": "Cancel the appointment?" if move == "cancel" else "Mark a no-show?",
            "appointment": appointment,
            "move": move,
            "done": done,
            "back": back,
        }
        return TemplateResponse(request, "admin/frontdesk/appointment_move.html", context)
    try:
        service(appointment=appointment)
    except DomainError as refused:
        messages.error(request, f"{appointment}: {refused.message}")
    else:
        messages.success(request, f"{appointment}: {done}.")
    return HttpResponseRedirect(back)


def manager_dashboard_view(request):
    """The manager's figures (issue #14 moved them off the desk's home page)."""
    permission_require(request, "loyalty.change_loyaltysettings")
    context = {
        **admin.site.each_context(request),
        "title": "Manager dashboard",
        "board": dashboard(),
    }
    return TemplateResponse(request, "admin/frontdesk/manager_dashboard.html", context)


def ticket_open_view(request):
    """Open a ticket for an appointment, a client or a walk-in, then go to its page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    permission_require(request, "tickets.add_ticket")
    appointment = client = None
    if request.POST.get("appointment"):
        appointment = get_object_or_404(
            Appointment.objects.select_related("client"), pk=request.POST["appointment"]
        )
        client = appointment.client
    elif request.POST.get("client"):
        client = get_object_or_404(Client, pk=request.POST["client"])
    try:
        ticket = ticket_open(client=client, appointment=appointment, user=request.user)
    except DomainError as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(_back(request, reverse("admin:index")))
    messages.success(request, f"{ticket} is open{f' for {client}' if client else ' (walk-in)'}.")
    return HttpResponseRedirect(reverse("frontdesk-checkout", args=[ticket.pk]))


def loyalty_report_view(request):
    """The owner's report (R81): a period picker, tables with CSV links, server-drawn charts."""
    permission_require(request, "loyalty.change_loyaltysettings")
    today = timezone.localdate()
    start = request.GET.get("from") or f"{today:%Y}-01-01"
    end = request.GET.get("to") or today.isoformat()
    context = {
        **admin.site.each_context(request),
        "title": "Loyalty report",
        "start": start,
        "end": end,
    }
    try:
        report = loyalty_report(period=report_period(start=start, end=end))
    except DomainError as refusal:
        context["refusal"] = refusal.message
        return TemplateResponse(request, "admin/frontdesk/loyalty_report.html", context, status=400)
    context.update(
        report=report,
        charts=report_charts(report),
        tables=report_tables(report, action_labels=action_labels()),
    )
    return TemplateResponse(request, "admin/frontdesk/loyalty_report.html", context)


RECEIPT_PAPERS = ("80mm", "a4")


def _paper(value: str) -> str:
    return value if value in RECEIPT_PAPERS else RECEIPT_PAPERS[0]


def receipt_view(request, ticket_id):
    """Print receipt (R49): a page that prints on an 80 mm receipt printer or on A4."""
    permission_require(request, "tickets.view_ticket")
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    try:
        receipt = ticket_receipt(ticket_id=ticket.pk)
    except DomainError as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(reverse("frontdesk-checkout", args=[ticket.pk]))
    context = {
        "receipt": receipt,
        "paper": _paper(request.GET.get("paper", "")),
        "may_send": request.user.has_perm("tickets.change_ticket") and receipt.client is not None,
        "sent": receipt_sends_so_far(ticket_id=ticket.pk),
        "send_url": reverse("frontdesk-receipt-send", args=[ticket.pk]),
        # The desk came from the checkout screen, which links to every detail of the ticket.
        "ticket_url": reverse("frontdesk-checkout", args=[ticket.pk]),
    }
    return TemplateResponse(request, "admin/frontdesk/receipt.html", context)


def receipt_send_view(request, ticket_id):
    """Send receipt by text or e-mail (R49) through the background pipeline; back to the
    receipt with what happened. Once sent, the page offers "again" (resend on purpose)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    permission_require(request, "tickets.change_ticket")
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    channel = request.POST.get("channel", "")
    try:
        sent = receipt_send(
            ticket=ticket,
            channel=channel,
            resend=request.POST.get("resend") == "1",
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        (messages.success if sent.queued else messages.warning)(request, sent.message)
    paper = _paper(request.POST.get("paper", ""))
    return HttpResponseRedirect(f"{reverse('frontdesk-receipt', args=[ticket.pk])}?paper={paper}")
