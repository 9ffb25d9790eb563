import datetime as dt

from django.utils import formats, translation

from portfolio.forms import saaty_choices

MOMENT = dt.datetime(2026, 11, 25, 22, 50)


def test_english_dates_are_iso():
    with translation.override("en"):
        assert formats.date_format(MOMENT.date()) == "2026-11-25"
        assert formats.date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == "2026-11-25"


def test_english_times_use_the_24_hour_clock():
    with translation.override("en"):
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "2026-11-25 22:50"
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "2026-11-25 22:50"
        assert formats.time_format(MOMENT.time()) == "22:50"


def test_english_numbers_keep_their_separators():
    with translation.override("en"):
        assert formats.get_format("DECIMAL_SEPARATOR") == "."
        assert formats.get_format("THOUSAND_SEPARATOR") == ","


def test_swedish_dates_are_unchanged():
    with translation.override("sv"):
        assert formats.date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == "2026-11-25"


def test_the_ahp_choices_say_what_each_step_means():
    with translation.override("en"):
        labels = dict(saaty_choices())
    assert labels["1"] == "1 – equally important"
    assert labels["3"] == "3 – somewhat more important"
    assert labels["5"] == "5 – much more important"
    assert labels["7"] == "7 – very much more important"
    assert labels["9"] == "9 – extremely more important"
    assert labels["2"] == "2 – between"
    assert labels["1/3"] == "1/3 – somewhat less important"
    assert labels["1/9"] == "1/9 – extremely less important"
    assert labels["1/2"] == "1/2 – between"


def test_the_ahp_choices_keep_their_values():
    values = [value for value, _label in saaty_choices()]
    assert values == ["1/9", "1/8", "1/7", "1/6", "1/5", "1/4", "1/3", "1/2",
                      "1", "2", "3", "4", "5", "6", "7", "8", "9"]  # fmt: skip
