"""Ids from what a visitor sent (a form field, a query parameter), and the largest id."""

# The largest id a BigAutoField holds, on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1


def parse_id(value: str) -> int | None:
    """The id `value` names, or None when it cannot name a row.

    `str.isdigit()` alone is not enough: it accepts "²", which `int()` refuses, and "٣",
    which `int()` reads as 3; and a number past the bigint range overflows the database.
    """
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    """`<id:plan_id>` in a URL: the digits of an id a row can have, else the URL matches
    nothing (404). Django's `<int:>` takes any number of digits, and a number past the
    database's integers fails the query (SQLite raises OverflowError) instead of finding
    nothing."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
