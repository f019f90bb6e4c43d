"""Expiry reminders (R55) and monthly statements (R56): who is told what, and the sending.

`notices_due` plans the next run's messages without sending (the Manager's preview in
admin); `points_notices_send` sends them once each, by text through messaging's pipeline
(consent, opt-outs, never twice per purpose) or else by e-mail when the salon uses
automated e-mail marketing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from clients.models import Client
from loyalty import lots as lot_rules
from loyalty.models import (
    EntryKind,
    NoticeChannel,
    NoticeKind,
    PointsEntry,
    PointsLot,
    PointsNotice,
)
from loyalty.rewards_box import client_points_by_date_after_debt, client_rewards_summary
from loyalty.selectors import loyalty_settings_get
from messaging.services import sms_queue
from salon.money import points_to_dollars
from salon.selectors import features_get


@dataclass(frozen=True)
class Notice:
    """One message the run sends: to whom, how, what, and the key that makes it once."""

    client: Client
    kind: str
    channel: str
    key: str
    body: str


def _channel(client: Client, *, email_on: bool) -> str | None:
    """By text with consent (opt-outs are messaging's), else by e-mail when the client has an
    address and the salon uses automated e-mail marketing (R55)."""
    if client.sms_consent and client.phone:
        return NoticeChannel.SMS
    if client.email and email_on:
        return NoticeChannel.EMAIL
    return None


def reminder_text(*, first_name: str, points: int, expires_on: date) -> str:
    """ "Hi Ann, 600 points ($6.00) expire on 31 Dec. …" (R55)."""
    return (
        f"Hi {first_name}, {points:,} points (${points_to_dollars(points)}) expire on "
        f"{expires_on:%-d %b}. Book a visit to use them before then."
    )


def statement_text(*, first_name: str, month: date, figures: dict, summary) -> str:
    """The month's statement (R56): balances and their value, the month's movements, and
    the next expiry."""
    redeemable, pending = summary.redeemable_points, summary.pending_points
    text = (
        f"Hi {first_name}, your points for {month:%B %Y}: {redeemable:,} redeemable "
        f"(${points_to_dollars(redeemable)}), {pending:,} pending. Last month you earned "
        f"{figures['earned']:,}, redeemed {figures['redeemed']:,} and {figures['expired']:,} "
        "expired."
    )
    if summary.next_expiry is not None:
        text += (
            f" Next expiry: {summary.next_expiry.points:,} points on "
            f"{summary.next_expiry.on:%-d %b}."
        )
    return text


def _reminders(*, now: datetime, today: date, days: list[int], email_on: bool) -> list[Notice]:
    """Clients with points expiring `offset` days from today, for each offset (R55): what
    those lots will still hold once any debt of the client is paid from them (R52)."""
    dates = {today + timedelta(days=offset): offset for offset in days}
    rows = (
        PointsLot.objects.filter(remaining__gt=0, expires_on__in=list(dates))
        .filter(client__merged_into__isnull=True)
        .values("client_id", "expires_on")
        .annotate(points=Sum("remaining"))
        .order_by("client_id", "expires_on")
    )
    rows = list(rows)
    debts = dict(
        PointsLot.objects.filter(client_id__in={row["client_id"] for row in rows}, remaining__lt=0)
        .values("client_id")
        .annotate(debt=-Sum("remaining"))
        .values_list("client_id", "debt")
    )
    left = {
        client_id: client_points_by_date_after_debt(client_id=client_id, debt=debt, now=now)
        for client_id, debt in debts.items()
    }
    for row in rows:
        if row["client_id"] in left:
            row["points"] = left[row["client_id"]].get(row["expires_on"], 0)
    rows = [row for row in rows if row["points"] > 0]
    clients = Client.objects.in_bulk([row["client_id"] for row in rows])
    notices = []
    for row in rows:
        client = clients[row["client_id"]]
        channel = _channel(client, email_on=email_on)
        if channel is None:
            continue
        expires_on, offset = row["expires_on"], dates[row["expires_on"]]
        notices.append(
            Notice(
                client=client,
                kind=NoticeKind.REMINDER,
                channel=channel,
                key=f"points_reminder:{client.pk}:{expires_on.isoformat()}:{offset}",
                body=reminder_text(
                    first_name=client.first_name, points=row["points"], expires_on=expires_on
                ),
            )
        )
    return notices


def _statements(*, today: date, now: datetime, email_on: bool) -> list[Notice]:
    """On the 1st: every reachable client with a balance or last month's activity (R56)."""
    if today.day != 1:
        return []
    month = (today - timedelta(days=1)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = datetime.combine(month, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    moves: dict[int, dict] = defaultdict(lambda: {"earned": 0, "redeemed": 0, "expired": 0})
    for row in (
        PointsEntry.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("client_id", "kind")
        .annotate(points=Sum("points"))
    ):
        figures = moves[row["client_id"]]
        if row["kind"] in (EntryKind.REDEEM, EntryKind.REDEEM_REVERSAL):
            figures["redeemed"] -= row["points"]
        elif row["kind"] == EntryKind.EXPIRE:
            figures["expired"] -= row["points"]
        elif row["points"] > 0:
            figures["earned"] += row["points"]
    clients = Client.objects.filter(merged_into__isnull=True).filter(
        Q(pk__in=list(moves)) | (Q(points_balance__isnull=False) & ~Q(points_balance__total=0))
    )
    notices = []
    for client in clients.order_by("pk"):
        channel = _channel(client, email_on=email_on)
        if channel is None:
            continue
        summary = client_rewards_summary(client=client, now=now)
        notices.append(
            Notice(
                client=client,
                kind=NoticeKind.STATEMENT,
                channel=channel,
                key=f"points_statement:{client.pk}:{month:%Y-%m}",
                body=statement_text(
                    first_name=client.first_name,
                    month=month,
                    figures=moves[client.pk],
                    summary=summary,
                ),
            )
        )
    return notices


def notices_due(*, now: datetime | None = None) -> list[Notice]:
    """The reminders and statements a run now would send and hasn't yet (R55, R56); none
    while Rewards & Referrals is off."""
    now = now or timezone.now()
    features = features_get()
    if not features.rewards_referrals:
        return []
    settings_row = loyalty_settings_get()
    today = lot_rules.local_date(now)
    email_on = features.automated_email_marketing
    notices = _reminders(
        now=now, today=today, days=settings_row.expiry_reminder_days, email_on=email_on
    )
    if settings_row.monthly_statements:
        notices += _statements(today=today, now=now, email_on=email_on)
    sent = set(
        PointsNotice.objects.filter(key__in=[notice.key for notice in notices]).values_list(
            "key", flat=True
        )
    )
    return [notice for notice in notices if notice.key not in sent]


def points_notices_send(*, now: datetime | None = None) -> int:
    """Send the due reminders and statements, each once (the key is unique): a text through
    the SMS pipeline, keyed the same, or an e-mail after the record commits."""
    now = now or timezone.now()
    sent = 0
    for notice in notices_due(now=now):
        with transaction.atomic():
            _, created = PointsNotice.objects.get_or_create(
                key=notice.key,
                defaults={
                    "client": notice.client,
                    "kind": notice.kind,
                    "channel": notice.channel,
                    "body": notice.body,
                    "created_at": now,
                },
            )
            if not created:
                continue
            if notice.channel == NoticeChannel.SMS:
                sms_queue(
                    to=str(notice.client.phone),
                    body=notice.body,
                    purpose=notice.key,
                    client_id=notice.client.pk,
                )
            else:
                subject = (
                    "Your points are expiring"
                    if notice.kind == NoticeKind.REMINDER
                    else "Your points statement"
                )
                transaction.on_commit(
                    partial(
                        send_mail,
                        subject,
                        notice.body,
                        settings.DEFAULT_FROM_EMAIL,
                        [notice.client.email],
                    )
                )
            sent += 1
    return sent
