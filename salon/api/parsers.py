"""The API's one JSON parser (R76): a body over 1 MB, nested deeper than 32 levels, with a
duplicate key, NaN/Infinity, or not JSON at all is 400 `malformed_json`, before anything
reads it. Numbers with a fraction or an exponent become Decimals (never floats), and an
exponent stays marked (salon.limits.ExponentNumber) for money and points fields to refuse.

Python's json module recurses once per level: a body nested ~1,000 deep raised
RecursionError (a 500) on every endpoint, anonymous ones included. The depth is counted
here first, in one pass that skips string contents, so the parser never recurses deeply.
"""

import json
import re
from decimal import Decimal

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from salon.limits import JSON_BODY_MAX_BYTES, JSON_MAX_DEPTH, ExponentNumber

# The next string or bracket, and a whole string (its escapes included) from its quote.
_NEXT_TOKEN = re.compile(rb'["\[\]{}]')
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


class MalformedJSON(ParseError):
    default_detail = "The body is not valid JSON."


def _depth_within(body: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest at most `limit` deep. Linear: each string is
    matched once from its quote and skipped (a pattern that retried at every quote took 20 s
    on 16 KB of escaped quotes). An unterminated string ends the count: json refuses it
    without going deeper than counted so far."""
    depth, position = 0, 0
    while (token := _NEXT_TOKEN.search(body, position)) is not None:
        character = token.group()
        if character == b'"':
            string = _STRING.match(body, token.start())
            if string is None:
                return True
            position = string.end()
            continue
        position = token.end()
        if character in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def _refuse_duplicates(pairs):
    seen = set()
    for key, _value in pairs:
        if key in seen:
            raise MalformedJSON(f"The key “{key}” appears twice in one object.")
        seen.add(key)
    return dict(pairs)


def _number(text: str) -> Decimal:
    return ExponentNumber(text) if "e" in text.lower() else Decimal(text)


def _refuse_constant(name: str):
    raise MalformedJSON(f"{name} is not a number JSON allows.")


def loads(body: bytes):
    """The body as Python values under the R76 rules; MalformedJSON (400) otherwise."""
    if len(body) > JSON_BODY_MAX_BYTES:
        raise MalformedJSON(f"The body is larger than {JSON_BODY_MAX_BYTES // 1024} KB.")
    if not _depth_within(body, JSON_MAX_DEPTH):
        raise MalformedJSON(f"The body is nested deeper than {JSON_MAX_DEPTH} levels.")
    try:
        return json.loads(
            body.decode(settings.DEFAULT_CHARSET),
            object_pairs_hook=_refuse_duplicates,
            parse_float=_number,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise MalformedJSON(f"The body is not valid JSON: {error}") from None


class StrictJSONParser(JSONParser):
    """DRF's JSONParser with the R76 limits; the one JSON parser of the API (settings)."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(JSON_BODY_MAX_BYTES + 1) if stream is not None else b""
        return loads(body)
