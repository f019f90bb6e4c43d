"""Query parameters, read strictly in one place (R72, R76; #15).

Each list or read that takes query parameters declares them once, as a `Query` of the kinds
below; the same declaration gives the schema (`Query.schema()` for `extend_schema`) and
reads the request (`Query.read(request)`), so the two can't drift apart. A value the
declaration doesn't take is 400 `invalid_query_parameter` naming the parameter, never read
as if absent (the long schemathesis runs found `include_merged=-1e308`, an empty `page=`,
`client=10^18` and `active=null&active=null` all answered 200 as if not given):

- a parameter given twice is refused (`?active=true&active=false` has no one meaning);
- a boolean is `true` or `false` (any case, as Python's HTTP clients write True), never
  `1`/`0`, `yes` or `on` (docs/decisions.md);
- an integer is plain ASCII digits within its range (an id: 1 to 10^18 - 1, as in paths);
- a date is `YYYY-MM-DD`, a date-time ISO 8601 (without an offset, the salon's time zone);
- a choice is one of its values;
- an empty value is refused for every kind but text (an empty `search=` searches nothing).
"""

import re
from datetime import UTC, date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination

from salon.converters import MAX_ID
from salon.errors import DomainError

_DIGITS = frozenset("0123456789")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class InvalidQueryParameter(DomainError):
    code = "invalid_query_parameter"
    message = "A query parameter has a value this operation does not take."


class Parameter:
    """One query parameter: its name, its schema, and how its text is read."""

    schema: dict = {"type": "string"}
    takes: str = "text"  # what the error message says a value must be

    def __init__(self, name: str, *, required: bool = False, description: str = ""):
        self.name, self.required, self.description = name, required, description

    def parse(self, text: str):
        """The value, or ValueError when `text` is not one this parameter takes."""
        raise NotImplementedError

    def openapi(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name,
            dict(self.schema),
            OpenApiParameter.QUERY,
            required=self.required,
            description=self.description,
        )

    def declared(self) -> dict:
        """The parameter as the schema lists it, for a filter backend's or a paginator's
        get_schema_operation_parameters (drf-spectacular reads those as plain dicts)."""
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": dict(self.schema),
        }


class Text(Parameter):
    takes = "text without a NUL character"

    def parse(self, text):
        # PostgreSQL can't hold a NUL in text: compared with a column it failed the request
        # (500) instead of finding nothing (the fuzz suite's `search=%00…`).
        if "\x00" in text:
            raise ValueError(text)
        return text


class Boolean(Parameter):
    schema = {"type": "boolean"}
    takes = "true or false"

    def parse(self, text):
        return read_boolean(text)


class Integer(Parameter):
    def __init__(self, name, *, minimum: int, maximum: int, default: int | None = None, **kwargs):
        super().__init__(name, **kwargs)
        self.minimum, self.maximum, self.default = minimum, maximum, default
        self.schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
        if default is not None:
            self.schema["default"] = default
        self.takes = f"a whole number from {minimum} to {maximum}"

    def parse(self, text):
        # int() also takes " 5", "+5", "5_000" and other scripts' digits.
        if not text or not set(text) <= _DIGITS or len(text) > len(str(self.maximum)):
            raise ValueError(text)
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            raise ValueError(text)
        return number


def Id(name: str, **kwargs) -> Integer:
    """Another object's id, as paths and bodies take it (salon/converters.py's ID_SCHEMA)."""
    return Integer(name, minimum=1, maximum=MAX_ID, **kwargs)


class Date(Parameter):
    schema = {"type": "string", "format": "date"}
    takes = "a date, YYYY-MM-DD"

    def parse(self, text) -> date:
        if not _ISO_DATE.fullmatch(text):  # fromisoformat also reads 20261130, 2026-W48-1
            raise ValueError(text)
        return date.fromisoformat(text)


class DateTime(Parameter):
    schema = {"type": "string", "format": "date-time"}
    takes = "a date-time, ISO 8601 (e.g. 2026-11-30T09:00:00Z)"

    def parse(self, text) -> datetime:
        moment = parse_datetime(text)
        if moment is None:
            raise ValueError(text)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # In UTC here: a time at the edge of the calendar (year 1 or 9999) can't be
        # converted, and would fail in the database as a 500 (OverflowError is ValueError's
        # sibling, so it is turned into one).
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValueError(text) from None


class Choice(Parameter):
    def __init__(self, name, choices, **kwargs):
        super().__init__(name, **kwargs)
        self.choices = [str(value) for value in choices]
        self.schema = {"type": "string", "enum": self.choices}
        self.takes = "one of " + ", ".join(self.choices)

    def parse(self, text):
        if text not in self.choices:
            raise ValueError(text)
        return text


def read_boolean(text: str) -> bool:
    """A boolean written as text (a query parameter, a form field): true or false."""
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ValueError(text)
    return lowered == "true"


class Query:
    """The query parameters one operation takes."""

    def __init__(self, *parameters: Parameter):
        self.parameters = parameters

    def schema(self) -> list[OpenApiParameter]:
        return [parameter.openapi() for parameter in self.parameters]

    def read(self, request) -> dict:
        """Each parameter's value (None, or its default, when not given), or
        InvalidQueryParameter naming the first one given wrongly."""
        values = {}
        for parameter in self.parameters:
            given = request.query_params.getlist(parameter.name)
            if len(given) > 1:
                raise _refused(parameter, "is given more than once")
            if not given:
                if parameter.required:
                    raise _refused(parameter, "is required")
                values[parameter.name] = getattr(parameter, "default", None)
                continue
            try:
                values[parameter.name] = parameter.parse(given[0])
            except ValueError:
                raise _refused(parameter, f"must be {parameter.takes}") from None
        return values


def _refused(parameter: Parameter, reason: str) -> InvalidQueryParameter:
    return InvalidQueryParameter(f"The query parameter `{parameter.name}` {reason}.")


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's pages, with `page` read as the other parameters are: a positive whole number
    (DRF read an empty `page=` as the first page, and `last` as the last one). A page past
    the end is still 404."""

    query = Query(
        Integer(
            "page", minimum=1, maximum=MAX_ID, description="A page number, from 1 (`next` links)."
        )
    )

    def get_page_number(self, request, paginator):
        return self.query.read(request)["page"] or 1

    def get_schema_operation_parameters(self, view):
        return [parameter.declared() for parameter in self.query.parameters]
