"""Admin pages of the front desk. Each reads through a selector or calls ONE service;
refusals come back as admin messages and change nothing."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme

from appointments.models import Appointment, AppointmentStatus
from appointments.services import appointment_cancel, appointment_check_in, appointment_confirm
from clients.models import Client
from clients.selectors import client_profile_photo
from frontdesk.selectors import client_log, todays_appointments
from salon.errors import DomainError
from tickets.lifecycle import ticket_open

APPOINTMENT_MOVES = {
    "confirm": (appointment_confirm, "confirmed"),
    "check_in": (appointment_check_in, "checked in"),
    "cancel": (appointment_cancel, "cancelled"),
}


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def client_log_view(request, client_id):
    """The Client Log (R28): photo, rewards box and the timeline; `?before=` pages back."""
    _require(request, "clients.view_client")
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


def today_view(request):
    """Today's appointments with Confirm, Check in, Cancel and Open ticket (R35)."""
    _require(request, "appointments.view_appointment")
    if request.method == "POST":
        _require(request, "appointments.change_appointment")
        move = APPOINTMENT_MOVES.get(request.POST.get("move", ""))
        appointment = get_object_or_404(Appointment, pk=request.POST.get("appointment") or 0)
        if move is None:
            messages.error(request, "Unknown action.")
        else:
            service, done = move
            try:
                service(appointment=appointment, user=request.user)
            except DomainError as refused:
                messages.error(request, f"{appointment}: {refused.message}")
            else:
                messages.success(request, f"{appointment}: {done}.")
        return HttpResponseRedirect(reverse("frontdesk-today"))
    context = {
        **admin.site.each_context(request),
        "title": "Today's appointments",
        "today": timezone.localdate(),
        "appointments": todays_appointments(),
        "may_change": request.user.has_perm("appointments.change_appointment"),
        "may_open_ticket": request.user.has_perm("tickets.add_ticket"),
        "closed_statuses": (
            AppointmentStatus.COMPLETED,
            AppointmentStatus.CANCELLED,
        ),
    }
    return TemplateResponse(request, "admin/frontdesk/today.html", context)


def ticket_open_view(request):
    """Open a ticket for an appointment, a client or a walk-in, then go to its page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require(request, "tickets.add_ticket")
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
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = reverse("admin:index")
        return HttpResponseRedirect(back)
    messages.success(request, f"{ticket} is open{f' for {client}' if client else ' (walk-in)'}.")
    return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
