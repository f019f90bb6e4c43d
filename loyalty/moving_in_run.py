"""One import of a moving-in file (R82): every row read with the file's rules
(loyalty/moving_in.py) against the salon as it is, then each valid row written, in batches.
Clients are created by clients' own service (R24, R25) and opening balances are posted by
the ledger, the only writer (R14, R51).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clients.selectors import clients_holding_phones
from clients.services import clients_create_many
from loyalty import ledger
from loyalty.models import EntryKind, PointsEntry
from loyalty.moving_in import (
    PhoneReader,
    RowPlan,
    file_phones,
    import_file_check,
    import_row_plan,
    row_text,
)
from salon.errors import PermissionRefused

IMPORT_PERMISSION = "clients.import_client"
OPENING_MEMO = "Opening balance moved in from the previous system"


def opening_key(client_id: int) -> str:
    """One opening balance per client, whatever the files or the runs (R13, R82)."""
    return f"opening_balance:{client_id}"


class MoveIn:
    """One import of a file: read every row (`plan`), then `apply` each valid one. Clients
    are created and opening balances posted in batches of CHUNK rows, with a few queries per
    batch (R82: 10,000 rows within a minute), and a batch is written before a row that
    names one of its clients as referrer is read. `flush` writes the last batch.

    `user` is who imports (None: the `import_clients` command, run by the operator); `now`
    the moment every opening balance is posted at.
    """

    CHUNK = 500

    def __init__(self, rows: list[dict], *, user, now: datetime):
        if user is not None and not user.has_perm(IMPORT_PERMISSION):
            raise PermissionRefused("Only a Manager may import clients.")
        self.user, self.now = user, now
        self.today = timezone.localdate(now)
        self.read_phone = PhoneReader()
        self.problems = import_file_check(rows, read_phone=self.read_phone)
        # Who holds the file's phones, and which of them already have an opening balance:
        # read once, then kept up to date as batches are written.
        self.holders = clients_holding_phones(file_phones(rows, self.read_phone))
        self.opened = set(
            PointsEntry.objects.filter(
                kind=EntryKind.OPENING_BALANCE,
                client_id__in=[client.pk for client in self.holders.values()],
            ).values_list("client_id", flat=True)
        )
        self.waiting: list[RowPlan] = []
        self.waiting_phones: set[str] = set()

    def plan(self, row: dict, *, number: int) -> RowPlan:
        """What the row will do, or every rule it breaks, by column."""
        referrer = self.read_phone.or_none(row_text(row, "referred_by_phone"))
        if referrer is not None and referrer.as_e164 in self.waiting_phones:
            self.flush()  # its referrer is an earlier row still waiting to be written
        plan = import_row_plan(
            row, number=number, today=self.today, holders=self.holders, read_phone=self.read_phone
        )
        plan.errors.update(self.problems.get(number, {}))
        client = plan.client
        # A client found by name and e-mail (no phone) was not read with the holders.
        if (
            client is not None
            and plan.opening_points
            and client.pk not in self.opened
            and PointsEntry.objects.filter(idempotency_key=opening_key(client.pk)).exists()
        ):
            self.opened.add(client.pk)
        plan.opening_posted = client is not None and client.pk in self.opened
        return plan

    def apply(self, plan: RowPlan) -> None:
        """Queue a valid row's writes; a full batch is written at once."""
        if plan.errors:
            raise next(iter(plan.errors.values()))
        self.waiting.append(plan)
        if plan.phone is not None:
            self.waiting_phones.add(plan.phone.as_e164)
        if len(self.waiting) >= self.CHUNK:
            self.flush()

    @transaction.atomic
    def flush(self) -> None:
        """Create the waiting rows' clients (one batch, clients' rules) and post their
        opening balances (one ledger write), each client's once (R13, R82)."""
        waiting, self.waiting, self.waiting_phones = self.waiting, [], set()
        new = [plan for plan in waiting if plan.client is None]
        created = clients_create_many(
            [
                {
                    "first_name": plan.first_name,
                    "last_name": plan.last_name,
                    "phone": plan.phone,
                    "email": plan.email,
                    "birthday": plan.birthday,
                    "referred_by": plan.referrer,
                }
                for plan in new
            ],
            created_by=self.user,
        )
        for plan, client in zip(new, created, strict=True):
            plan.client = client
            if client.phone:
                self.holders[client.phone.as_e164] = client
        opening = [plan for plan in waiting if plan.opening_points and not plan.opening_posted]
        if not opening:
            return
        # The balance locks serialize two imports of one client, so the key check holds.
        ledger.balances_lock([plan.client.pk for plan in opening])
        posted = set(
            PointsEntry.objects.filter(
                idempotency_key__in=[opening_key(plan.client.pk) for plan in opening]
            ).values_list("client_id", flat=True)
        )
        entries = []
        for plan in opening:
            if plan.client.pk in posted:
                continue
            entry = PointsEntry(
                client=plan.client,
                points=plan.opening_points,
                kind=EntryKind.OPENING_BALANCE,
                created_at=self.now,
                available_at=self.now,  # redeemable at once (R82)
                created_by=self.user,
                memo=OPENING_MEMO,
                idempotency_key=opening_key(plan.client.pk),
                expires_on=plan.points_expire_on,
            )
            entry.expiry_fixed = plan.points_expire_on is not None
            entries.append(entry)
            self.opened.add(plan.client.pk)
        ledger.entries_post(entries)
