"""The birthday date rule (R63): pure, called without a database."""

from datetime import date

from loyalty.birthday_rules import birthday_days_of_month, birthday_in, is_birthday

LEAP_DAY = date(2000, 2, 29)


def test_r63_a_birthday_falls_on_its_own_date_in_any_year():
    assert birthday_in(birthday=date(1990, 7, 14), year=2027) == date(2027, 7, 14)
    assert birthday_in(birthday=date(1990, 2, 28), year=2027) == date(2027, 2, 28)
    assert birthday_in(birthday=date(1990, 3, 29), year=2027) == date(2027, 3, 29)


def test_r63_29_february_is_28_february_in_other_years_and_itself_in_leap_years():
    assert birthday_in(birthday=LEAP_DAY, year=2027) == date(2027, 2, 28)
    assert birthday_in(birthday=LEAP_DAY, year=2028) == date(2028, 2, 29)
    # a 29th of another month never moves
    assert birthday_in(birthday=date(2000, 1, 29), year=2027) == date(2027, 1, 29)


def test_r63_is_birthday_on_28_february_2027_for_a_leap_day_birthday():
    assert is_birthday(birthday=LEAP_DAY, today=date(2027, 2, 28))
    assert not is_birthday(birthday=LEAP_DAY, today=date(2027, 3, 1))
    # in a leap year the 28th is not the day: the 29th is
    assert not is_birthday(birthday=LEAP_DAY, today=date(2028, 2, 28))
    assert is_birthday(birthday=LEAP_DAY, today=date(2028, 2, 29))
    assert is_birthday(birthday=date(1985, 11, 3), today=date(2027, 11, 3))
    assert not is_birthday(birthday=date(1985, 11, 3), today=date(2027, 11, 4))


def test_r63_the_days_whose_birthdays_may_fall_today():
    assert birthday_days_of_month(date(2027, 2, 28)) == [28, 29]
    assert birthday_days_of_month(date(2028, 2, 28)) == [28, 29]
    assert birthday_days_of_month(date(2027, 3, 28)) == [28]
    assert birthday_days_of_month(date(2027, 2, 27)) == [27]
    assert birthday_days_of_month(date(2027, 7, 14)) == [14]
