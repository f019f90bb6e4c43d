"""Birthday dates (R63) as pure rules: the day a birthday falls on in a year, and which
birthdays fall on a given day. No database (STYLE 14); `make mutate` checks that
tests/rules/test_birthday_rules.py catches a wrong date."""

import calendar
from datetime import date


def birthday_in(*, birthday: date, year: int) -> date:
    """The day a birthday falls on in `year`: 29 February is 28 February in other years."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def birthday_days_of_month(today: date) -> list[int]:
    """The days of `today`'s month whose birthdays may fall on it: its own, and on 28
    February the 29th too (then `birthday_in` says whether this year moves it)."""
    if (today.month, today.day) == (2, 28):
        return [today.day, 29]
    return [today.day]


def is_birthday(*, birthday: date, today: date) -> bool:
    """Whether `today` is the day the birthday falls on this year."""
    return birthday_in(birthday=birthday, year=today.year) == today
