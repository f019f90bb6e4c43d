"""What a ticket earned, as an expression tickets' reads can annotate (R48, §18).

`points_earned` counts every point the ticket earned its client (spend and per-visit
actions), net of its adjustments and void; `referrer_points_earned` the same for the
client's referrer. Redemptions are payments, not earnings (R10): they carry no action and
are left out.
"""

from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from loyalty.actions import Beneficiary
from loyalty.models import PointsEntry


def _earned_by(beneficiary: str):
    def expression():
        per_ticket = (
            PointsEntry.objects.filter(ticket=OuterRef("pk"), beneficiary=beneficiary)
            .exclude(action="")
            .order_by()
            .values("ticket")
            .annotate(points=Sum("points"))
            .values("points")
        )
        return Coalesce(
            Subquery(per_ticket, output_field=IntegerField()),
            Value(0),
            output_field=IntegerField(),
        )

    return expression


points_earned = _earned_by(Beneficiary.CLIENT)
referrer_points_earned = _earned_by(Beneficiary.REFERRER)
