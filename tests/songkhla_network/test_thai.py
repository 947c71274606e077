import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from songkhla_network import thai
from songkhla_network.forms import BEDateField, BEMonthField, MoneyField, NationalIdField


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("9/3/2565", datetime.date(2022, 3, 9)),
        ("09/03/2565", datetime.date(2022, 3, 9)),
        ("9/3/65", datetime.date(2022, 3, 9)),
        ("9-3-2565", datetime.date(2022, 3, 9)),
        ("9 มี.ค. 2565", datetime.date(2022, 3, 9)),
        ("9 มีค 2565", datetime.date(2022, 3, 9)),
        ("9 มีนาคม 2565", datetime.date(2022, 3, 9)),
        ("๙/๓/๒๕๖๕", datetime.date(2022, 3, 9)),
        ("๙ มี.ค. ๒๕๖๕", datetime.date(2022, 3, 9)),
        (" 16 มีนาคม 2565 ", datetime.date(2022, 3, 16)),
        ("29/2/2563", datetime.date(2020, 2, 29)),  # 2020 was a leap year
        ("31/12/2564", datetime.date(2021, 12, 31)),
        ("1/1/2500", datetime.date(1957, 1, 1)),
    ],
)
def test_it_reads_buddhist_era_dates(typed, expected):
    assert thai.parse_be_date(typed) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("9/3/2022", "ce_year"),  # a C.E. year typed where B.E. is expected
        ("9 มี.ค. 2022", "ce_year"),
        ("9/3/3108", "be_year_twice"),  # 543 added to a year already in B.E.
        ("29/2/2564", "no_such_day"),  # 2021 was not a leap year
        ("31/4/2565", "no_such_day"),
        ("9/13/2565", "no_such_day"),
        ("9 มีนาค 2565", "month_name"),
        ("9 March 2565", "month_name"),
        ("เมื่อวาน", "invalid"),
        ("2565", "invalid"),
        ("9/3/1200", "year_range"),
    ],
)
def test_it_refuses_dates_that_are_wrong_and_says_why(typed, code):
    with pytest.raises(ValidationError) as error:
        thai.parse_be_date(typed)
    assert error.value.code == code


def test_it_says_in_thai_that_a_ce_year_was_typed():
    with translation.override("th"), pytest.raises(ValidationError) as error:
        BEDateField().clean("9/3/2022")
    message = error.value.messages[0]
    assert "2565" in message and "พ.ศ." in message


def test_it_refuses_future_dates_where_asked():
    field = BEDateField(allow_future=False)
    with pytest.raises(ValidationError):
        field.clean("1/1/2600")


def test_it_shows_dates_in_the_buddhist_era():
    day = datetime.date(2022, 3, 9)
    assert thai.be_date(day) == "9 มีนาคม 2565"
    assert thai.be_date_short(day) == "9 มี.ค. 2565"
    assert thai.be_month(day) == "มีนาคม 2565"
    assert thai.be_date_input(day) == "9/3/2565"


def test_djangos_own_date_filter_shows_be_years_in_thai_and_ce_years_otherwise():
    template = Template('{{ day|date:"DATE_FORMAT" }}|{{ day|date:"Y" }}')
    day = datetime.date(2022, 3, 9)
    with translation.override("th"):
        assert template.render(Context({"day": day})) == "9 มีนาคม 2565|2565"
    with translation.override("en"):
        assert template.render(Context({"day": day})).endswith("|2022")


def test_a_date_field_round_trips_what_it_shows():
    field = BEDateField()
    shown = field.widget.format_value(datetime.date(2022, 2, 28))
    assert shown == "28/2/2565"
    assert field.clean(shown) == datetime.date(2022, 2, 28)


@pytest.mark.parametrize(
    "month, year, expected",
    [
        ("2", "2565", datetime.date(2022, 2, 1)),
        ("12", "๒๕๖๔", datetime.date(2021, 12, 1)),
        ("3", "65", datetime.date(2022, 3, 1)),
    ],
)
def test_it_reads_be_months(month, year, expected):
    assert BEMonthField().clean([month, year]) == expected


@pytest.mark.parametrize("value", [["2", "2022"], ["2", "abc"], ["", "2565"], ["13", "2565"]])
def test_it_refuses_wrong_months(value):
    with pytest.raises(ValidationError):
        BEMonthField().clean(value)


# Found by fuzzing: "²" passes str.isdigit() but not int(), and int() refuses thousands of digits.
@pytest.mark.parametrize("year", ["²๕๖๕", "2565²", "9" * 5000])
def test_a_year_that_is_not_plain_digits_is_refused_not_a_crash(year):
    with pytest.raises(ValidationError) as error:
        BEMonthField().clean(["2", year])
    assert error.value.code == "invalid_year"


def test_month_slugs_are_be_years():
    assert thai.be_month_slug(datetime.date(2022, 2, 1)) == "2565-02"
    assert thai.parse_be_month_slug("2565-02") == datetime.date(2022, 2, 1)
    for wrong in ["2022-02", "2565-13", "2565-00", "abc", "", "2565-2-1"]:
        assert thai.parse_be_month_slug(wrong) is None


def test_it_formats_baht_with_separators_and_in_words():
    assert thai.format_baht(Decimal("56000")) == "56,000.00"
    assert thai.format_baht(Decimal("1234567.5")) == "1,234,567.50"
    assert thai.baht_words(Decimal("5000")) == "ห้าพันบาทถ้วน"
    assert thai.baht_words(Decimal("56225.50")) == "ห้าหมื่นหกพันสองร้อยยี่สิบห้าบาทห้าสิบสตางค์"
    assert thai.baht_words(Decimal("9999999999.99")).endswith("เก้าสิบเก้าสตางค์")


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1,500", Decimal("1500.00")),
        ("1500.5", Decimal("1500.50")),
        ("๑๕๐๐", Decimal("1500.00")),
        (" 200 บาท", Decimal("200.00")),
    ],
)
def test_it_reads_amounts(typed, expected):
    assert MoneyField().clean(typed) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("0", "not_positive"),
        ("-5", "not_positive"),
        ("abc", "invalid"),
        ("1.234", "satang"),
        ("1e400", "too_large"),
        ("10000000000", "too_large"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
    ],
)
def test_it_refuses_wrong_amounts(typed, code):
    with pytest.raises(ValidationError) as error:
        MoneyField().clean(typed)
    assert error.value.code == code


def test_national_ids_are_checked_by_their_check_digit():
    field = NationalIdField(required=False)
    assert field.clean("1-1037-02296-12-1") == "1103702296121"
    with pytest.raises(ValidationError):
        field.clean("1103702296122")
    with pytest.raises(ValidationError):
        field.clean("12345")
    assert thai.format_baht(None) == ""


def test_national_ids_are_shown_masked():
    from songkhla_network.validators import mask_national_id

    assert mask_national_id("1103702296121") == "x-xxxx-xxxxx-12-1"
