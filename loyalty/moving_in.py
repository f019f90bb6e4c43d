"""Moving in from another system (R82): a CSV of clients, with their referrers and opening
balances, checked row by row (here), then applied once (loyalty/moving_in_run.py).

The rules of the file live here: its columns, what each row says and which rules it breaks,
by column, and the rules across rows. django-import-export (frontdesk/moving_in_admin.py,
and the `import_clients` command through the same resource) reads the file, shows the
preview and runs the import through `moving_in_run.MoveIn`.

The natural key (docs/decisions.md, #19): a row is the client already here when an active
client has its phone and the same first and last name (case aside); a row without a phone
is the active client without one who has its first name, last name and e-mail. Such a row
creates nobody, and its opening balance is posted only if that client has none yet (one
`opening_balance` entry per client, by idempotency key), so importing the same file again
changes nothing.
"""

import dataclasses
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_date
from phonenumber_field.phonenumber import PhoneNumber

from clients.errors import (
    BirthdayInFuture,
    BlankName,
    PhoneTaken,
    SelfReferral,
)
from clients.models import Client
from loyalty.errors import (
    ExpiryDateInPast,
    ImportColumnsMissing,
    ImportColumnsUnknown,
    ImportDateInvalid,
    ImportEmailInvalid,
    ImportExpiryWithoutPoints,
    ImportPhoneRepeated,
    ImportPointsInvalid,
    ImportReferrerBelow,
    ImportReferrerUnknown,
    ImportRowRepeated,
)
from loyalty.numbers import whole_number
from salon.errors import DomainError, InvalidPhone
from salon.phones import phone_parse

# SPEC §18, by header, in this order in the example and the export.
COLUMNS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "birthday",
    "referred_by_phone",
    "opening_points",
    "points_expire_on",
)
REQUIRED_COLUMNS = ("first_name", "last_name")
NO_PHONE_KEY = ("first_name", "last_name", "email")


@dataclasses.dataclass
class RowPlan:
    """What one row will do, or the rules it breaks (`errors`, by column)."""

    number: int
    first_name: str = ""
    last_name: str = ""
    phone: PhoneNumber | None = None
    email: str = ""
    birthday: date | None = None
    referrer: Client | None = None
    opening_points: int = 0
    points_expire_on: date | None = None
    client: Client | None = None  # the client already here (a re-import)
    opening_posted: bool = False  # that client's opening balance is already in the ledger
    errors: dict[str, DomainError] = dataclasses.field(default_factory=dict)

    @property
    def changes_nothing(self) -> bool:
        return self.client is not None and (self.opening_points == 0 or self.opening_posted)


def import_columns_check(headers) -> None:
    """The file's header names the columns of SPEC §18 only, with both names."""
    headers = [(header or "").strip() for header in headers]
    unknown = [header for header in headers if header not in COLUMNS]
    if unknown:
        raise ImportColumnsUnknown(
            f"The file has columns the import doesn't know: {', '.join(unknown)}. "
            f"Its columns can be: {', '.join(COLUMNS)}."
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        raise ImportColumnsMissing(f"The file needs the column {' and '.join(missing)}.")


def row_text(row: dict, column: str) -> str:
    """A cell as typed, spaces around it dropped; "" when empty or missing."""
    value = row.get(column)
    return "" if value is None else str(value).strip()


class PhoneReader:
    """Phones as typed in the file, each text parsed once (salon.phones.phone_parse, R24): a
    file names most phones twice, as a client's and as a referrer's, and parsing is the
    costliest step of reading a row."""

    def __init__(self):
        self.known: dict[str, PhoneNumber | InvalidPhone | None] = {}

    def __call__(self, text: str, *, field: str = "phone") -> PhoneNumber | None:
        """The phone, None when blank; InvalidPhone when it is not a valid number."""
        if text not in self.known:
            try:
                self.known[text] = phone_parse(text)
            except InvalidPhone as refused:
                self.known[text] = refused
        found = self.known[text]
        if isinstance(found, InvalidPhone):
            raise InvalidPhone(found.message, field=field)
        return found

    def or_none(self, text: str) -> PhoneNumber | None:
        try:
            return self(text)
        except InvalidPhone:
            return None


def import_file_check(
    rows: list[dict], *, read_phone: PhoneReader
) -> dict[int, dict[str, DomainError]]:
    """The rules across rows (numbered from 1, the first under the header): a phone on two
    rows, a client without a phone twice, and a referrer whose row comes later (it must
    exist when its row is read)."""
    first_row_of: dict[str, int] = {}
    first_row_without_phone: dict[tuple, int] = {}
    problems: dict[int, dict[str, DomainError]] = {}
    for number, row in enumerate(rows, 1):
        phone = read_phone.or_none(row_text(row, "phone"))
        if phone is not None:
            earlier = first_row_of.setdefault(phone.as_e164, number)
            if earlier != number:
                problems.setdefault(number, {})["phone"] = ImportPhoneRepeated(
                    f"This phone is on row {earlier} of the file too.", field="phone"
                )
        elif not row_text(row, "phone"):  # without a phone, the names and e-mail are the key
            key = tuple(row_text(row, column).casefold() for column in NO_PHONE_KEY)
            earlier = first_row_without_phone.setdefault(key, number)
            if earlier != number:
                problems.setdefault(number, {})["first_name"] = ImportRowRepeated(
                    f"This client, without a phone, is on row {earlier} of the file too.",
                    field="first_name",
                )
    for number, row in enumerate(rows, 1):
        referrer = read_phone.or_none(row_text(row, "referred_by_phone"))
        later = first_row_of.get(referrer.as_e164) if referrer is not None else None
        if later is not None and later > number:
            problems.setdefault(number, {})["referred_by_phone"] = ImportReferrerBelow(
                f"The referrer is on row {later}, below this one: move their row above it.",
                field="referred_by_phone",
            )
    return problems


def _day(value: str, *, column: str) -> date | None:
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise ImportDateInvalid(field=column)
    return day


def _same_name(client: Client, plan: RowPlan) -> bool:
    return (client.first_name.casefold(), client.last_name.casefold()) == (
        plan.first_name.casefold(),
        plan.last_name.casefold(),
    )


def file_phones(rows: list[dict], read_phone: PhoneReader) -> set[str]:
    """Every valid phone the file names, a client's or a referrer's, in E.164."""
    phones = set()
    for row in rows:
        for column in ("phone", "referred_by_phone"):
            phone = read_phone.or_none(row_text(row, column))
            if phone is not None:
                phones.add(phone.as_e164)
    return phones


def _client_already_here(plan: RowPlan, holders: dict[str, Client]) -> Client | None:
    if plan.phone is not None:
        holder = holders.get(plan.phone.as_e164)
        if holder is not None and not _same_name(holder, plan):
            raise PhoneTaken(
                f"This phone belongs to another client, {holder}, already in the salon.",
                field="phone",
            )
        return holder
    return Client.objects.filter(
        merged_into__isnull=True,
        phone__isnull=True,
        first_name__iexact=plan.first_name,
        last_name__iexact=plan.last_name,
        email__iexact=plan.email,
    ).first()


def import_row_plan(
    row: dict, *, number: int, today: date, holders: dict[str, Client], read_phone: PhoneReader
) -> RowPlan:
    """Read one row into what it will do, collecting every rule it breaks by column rather
    than stopping at the first. `today` is the salon's date (birthdays, expiry dates);
    `holders` the active clients by phone (E.164) that the row may name."""
    plan = RowPlan(number=number)
    errors = plan.errors

    def check(column: str, read):
        try:
            return read()
        except DomainError as refused:
            refused.field = column
            errors[column] = refused
            return None

    for column in ("first_name", "last_name"):
        name = row_text(row, column)
        if not name:
            errors[column] = BlankName(
                "Give the client's " + column.replace("_", " ") + ".", field=column
            )
        setattr(plan, column, name)
    typed_phone = row_text(row, "phone")
    plan.phone = check("phone", lambda: read_phone(typed_phone))
    plan.email = row_text(row, "email")
    if plan.email:
        try:
            validate_email(plan.email)
        except ValidationError:
            errors["email"] = ImportEmailInvalid(field="email")
    plan.birthday = check("birthday", lambda: _day(row_text(row, "birthday"), column="birthday"))
    if plan.birthday is not None and plan.birthday > today:
        errors["birthday"] = BirthdayInFuture(field="birthday")
    points = row_text(row, "opening_points")
    if points:
        try:
            plan.opening_points = whole_number(points, field="opening_points", minimum=0)
        except DomainError:
            errors["opening_points"] = ImportPointsInvalid(field="opening_points")
    column = "points_expire_on"
    plan.points_expire_on = check(column, lambda: _day(row_text(row, column), column=column))
    if plan.points_expire_on is not None:
        if plan.points_expire_on < today:
            errors[column] = ExpiryDateInPast(field=column)
        elif not plan.opening_points and "opening_points" not in errors:
            errors["opening_points"] = ImportExpiryWithoutPoints(field="opening_points")
    typed_referrer = row_text(row, "referred_by_phone")
    referrer_phone = check("referred_by_phone", lambda: read_phone(typed_referrer))
    if referrer_phone is not None:
        if plan.phone is not None and referrer_phone.as_e164 == plan.phone.as_e164:
            errors["referred_by_phone"] = SelfReferral(field="referred_by_phone")
        else:
            plan.referrer = holders.get(referrer_phone.as_e164)
            if plan.referrer is None:
                errors["referred_by_phone"] = ImportReferrerUnknown(field="referred_by_phone")
    if "first_name" in errors or "last_name" in errors or "phone" in errors:
        return plan  # no reliable key to find the client by
    plan.client = check("phone", lambda: _client_already_here(plan, holders))
    if plan.client is not None:
        # R25: a referrer is set once; a client already here keeps theirs.
        errors.pop("referred_by_phone", None)
        plan.referrer = None
    return plan
