"""django-import-export's side of moving in (R82): the client import and the two exports.

The import resource holds no rule: it reads the file, asks loyalty's moving in
(`loyalty.moving_in` for the file's rules, `loyalty.moving_in_run` for the import run) what
each row will do (or which rules it breaks), shows that in the preview, and applies it
through the same run. The exports read; the ledger stays append-only (R14).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import resources
from import_export.fields import Field
from import_export.results import Error

from clients.models import Client
from loyalty import moving_in, moving_in_run
from loyalty.actions import Action
from loyalty.models import EntryKind, PointsBalance, PointsEntry
from salon.errors import DomainError
from salon.formats import phone_display


def _shown_day(day) -> str:
    return f"{day:%-d %b %Y}" if day else ""


def _refusal(errors: dict[str, DomainError]) -> ValidationError:
    """The row's broken rules as the preview lists them: by column, in plain English, each
    with its code (R71)."""
    return ValidationError(
        {
            column: [ValidationError(refused.message, code=refused.code)]
            for column, refused in errors.items()
        }
    )


class Refusal(Error):
    """A file refused by a rule is no crash: the page shows the rule's message without the
    traceback django-import-export shows for errors (plain English, R71)."""

    @property
    def traceback(self):
        return "" if isinstance(self.error, DomainError) else super().traceback


class ClientMoveInResource(resources.ModelResource):
    """One client per row, columns of SPEC §18. `progress(done, total)`, when given, is told
    after each row (the `import_clients` command prints it)."""

    # The preview shows what each row will hold, read from the row's plan (`shown`).
    first_name = Field(attribute="shown__first_name", column_name="first_name")
    last_name = Field(attribute="shown__last_name", column_name="last_name")
    phone = Field(attribute="shown__phone", column_name="phone")
    email = Field(attribute="shown__email", column_name="email")
    birthday = Field(attribute="shown__birthday", column_name="birthday")
    referred_by_phone = Field(attribute="shown__referred_by", column_name="referred_by_phone")
    opening_points = Field(attribute="shown__opening_points", column_name="opening_points")
    points_expire_on = Field(attribute="shown__points_expire_on", column_name="points_expire_on")

    class Meta:
        model = Client
        fields = moving_in.COLUMNS
        clean_model_instances = False
        report_skipped = True
        use_transactions = True
        # No savepoint per row (two round trips each): a row writes nothing itself, its
        # plan is queued and MoveIn writes each batch in a transaction of its own. The
        # library's own bulk lists stay empty: save_instance is ours.
        use_bulk = True

    def __init__(self, *, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.progress = progress
        self.move_in = None
        self.applied = []

    @classmethod
    def get_display_name(cls):
        return "Clients moving in"

    def get_error_result_class(self):
        return Refusal

    def before_import(self, dataset, **kwargs):
        self.total = len(dataset)
        try:
            moving_in.import_columns_check(dataset.headers or [])
            rows = [dict(zip(dataset.headers, values, strict=False)) for values in dataset]
            self.move_in = moving_in_run.MoveIn(rows, user=kwargs.get("user"), now=timezone.now())
        except DomainError:
            dataset.wipe()  # the file as a whole is refused: no row is read
            raise

    def before_import_row(self, row, **kwargs):
        self.plan = self.move_in.plan(row, number=kwargs["row_number"])

    def _shown(self) -> dict:
        plan = self.plan
        return {
            "first_name": plan.first_name,
            "last_name": plan.last_name,
            "phone": phone_display(plan.phone),
            "email": plan.email,
            "birthday": _shown_day(plan.birthday),
            "referred_by": str(plan.referrer) if plan.referrer else "",
            "opening_points": plan.opening_points or "",
            "points_expire_on": _shown_day(plan.points_expire_on),
        }

    def get_or_init_instance(self, instance_loader, row):
        if self.plan.client is None:
            instance = Client()
            instance.shown = {}
            return instance, True
        # A client already here: the preview shows them as they are, and the opening
        # balance as a change when it is still to be posted.
        instance = self.plan.client
        instance.shown = {**self._shown(), "opening_points": ""}
        if self.plan.changes_nothing:
            instance.shown["opening_points"] = self.plan.opening_points or ""
        return instance, False

    def import_instance(self, instance, row, **kwargs):
        if self.plan.errors:
            raise _refusal(self.plan.errors)
        instance.shown = self._shown()

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and self.plan.changes_nothing

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return  # without a transaction to roll back, a dry run writes nothing
        self.move_in.apply(self.plan)
        self.applied.append((self.plan, instance))

    def after_import(self, dataset, result, **kwargs):
        if self.move_in is None:
            return  # the file was refused as a whole
        # The last batch; then each row's result names the client it created.
        self.move_in.flush()
        for plan, instance in self.applied:
            instance.pk = plan.client.pk
            instance.first_name, instance.last_name = plan.client.first_name, plan.client.last_name

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.progress is not None:  # every row, refused ones too
            self.progress(kwargs["row_number"], self.total)
        return row_result


class ClientMoveInBatchResource(ClientMoveInResource):
    """The import without the preview's per-row diff, for the `import_clients` command."""

    class Meta:
        skip_diff = True


class ClientExportResource(resources.ModelResource):
    """Every client with the columns of the import (so a file exported here imports
    elsewhere), their referral code and their points."""

    phone = Field(column_name="phone")
    referred_by_phone = Field(column_name="referred_by_phone")
    points = Field(column_name="points")
    created_at = Field(column_name="created_at")

    class Meta:
        model = Client
        fields = (
            "id",
            "first_name",
            "last_name",
            "phone",
            "email",
            "birthday",
            "referred_by_phone",
            "referral_code",
            "source",
            "sms_consent",
            "points",
            "created_at",
        )
        export_order = fields

    @classmethod
    def get_display_name(cls):
        return "Clients"

    def before_export(self, queryset, **kwargs):
        # One read of every balance, not one per client (R18's running totals).
        self.balances = dict(PointsBalance.objects.values_list("client_id", "total"))

    def dehydrate_phone(self, client):
        return phone_display(client.phone)

    def dehydrate_referred_by_phone(self, client):
        return phone_display(client.referred_by.phone) if client.referred_by_id else ""

    def dehydrate_points(self, client):
        return self.balances.get(client.pk, 0)

    def dehydrate_created_at(self, client):
        return timezone.localtime(client.created_at).isoformat(timespec="seconds")


class LedgerExportResource(resources.ModelResource):
    """The ledger, one entry per line, times in the salon's time zone (R14)."""

    client = Field(column_name="client")
    client_name = Field(column_name="client_name")
    kind = Field(column_name="kind")
    action = Field(column_name="action")
    created_at = Field(column_name="created_at")
    available_at = Field(column_name="available_at")
    promotion = Field(column_name="promotion")

    class Meta:
        model = PointsEntry
        fields = (
            "id",
            "created_at",
            "client",
            "client_name",
            "points",
            "kind",
            "action",
            "beneficiary",
            "ticket",
            "available_at",
            "expires_on",
            "promotion",
            "memo",
        )
        export_order = fields

    @classmethod
    def get_display_name(cls):
        return "Points ledger"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("client", "promotion")

    def dehydrate_client(self, entry):
        return entry.client_id

    def dehydrate_client_name(self, entry):
        return str(entry.client)

    def dehydrate_kind(self, entry):
        return EntryKind(entry.kind).label

    def dehydrate_action(self, entry):
        return Action(entry.action).label if entry.action else ""

    def dehydrate_created_at(self, entry):
        return timezone.localtime(entry.created_at).isoformat(timespec="seconds")

    def dehydrate_available_at(self, entry):
        return timezone.localtime(entry.available_at).isoformat(timespec="seconds")

    def dehydrate_promotion(self, entry):
        return entry.promotion.name if entry.promotion_id else ""
