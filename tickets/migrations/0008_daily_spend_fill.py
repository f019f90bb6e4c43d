"""Fill the daily qualifying spend (R61) from the tickets closed before it existed: per
client and UTC day of `closed_at`, the pre-tax net (R46) of every line but gift cards."""

from datetime import UTC
from decimal import Decimal

from django.db import migrations
from django.db.models import Case, DecimalField, F, Sum, When
from django.db.models.functions import TruncDate

BATCH = 5000


def fill(apps, schema_editor):
    TicketLine = apps.get_model("tickets", "TicketLine")
    DailySpend = apps.get_model("tickets", "DailySpend")
    money = DecimalField(max_digits=14, decimal_places=2)
    pre_tax_net = Case(
        When(tax_included=True, then=F("net_amount") - F("tax")),
        default=F("net_amount"),
        output_field=money,
    )
    days = (
        TicketLine.objects.filter(ticket__status="closed", ticket__client__isnull=False)
        .exclude(item__kind="gift_card")
        .annotate(day=TruncDate("ticket__closed_at", tzinfo=UTC))
        .values("ticket__client_id", "day")
        .annotate(amount=Sum(pre_tax_net))
        .order_by("ticket__client_id", "day")
    )
    rows = []
    for row in days.iterator(chunk_size=BATCH):
        rows.append(
            DailySpend(
                client_id=row["ticket__client_id"],
                day=row["day"],
                amount=Decimal(row["amount"]).quantize(Decimal("0.01")),
            )
        )
        if len(rows) == BATCH:
            DailySpend.objects.bulk_create(rows)
            rows = []
    DailySpend.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_daily_spend")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
