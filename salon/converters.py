"""The `<id:...>` URL converter for primary keys in paths.

Django's `<int:...>` takes any number of digits, and a number beyond the database's 64-bit
integers makes SQLite raise OverflowError (and PostgreSQL a DataError) on lookups such as
`ticket_id=...`: a 500 instead of a 404. Found by the API fuzzing (tests/security).
Up to 18 digits is always below 2**63, so a longer id is simply no such URL (404).
"""

MAX_ID = 10**18 - 1  # the most an id in a path or a query parameter may be
# An id as the schema declares it (in paths, query parameters and request bodies).
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
