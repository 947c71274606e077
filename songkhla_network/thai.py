"""Thai conventions every program area shares: Buddhist Era dates, baht amounts, Thai digits.

B.E. = C.E. + 543. Dates are stored as ordinary (C.E.) dates; only what a person reads or types
is in the Buddhist Era.
"""

import datetime
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from pythainlp.util import bahttext, thai_digit_to_arabic_digit
from pythainlp.util.date import thai_abbr_months, thai_full_month_lists, thai_full_months

BE_OFFSET = 543
SATANG = Decimal("0.01")

# Years a person of the network plausibly means; outside it we say what went wrong instead of
# storing a date 543 years off.
BE_YEAR_MIN = 2400
BE_YEAR_MAX = 2700


def show_buddhist_era_years() -> None:
    """Make Django's own date formatting (admin lists, history pages, |date) print B.E. years
    whenever Thai is the active language.

    Django's formats for Thai are "j F Y" and "j M Y" but print the C.E. year, and a format
    string cannot add 543. Patching the two year directives keeps every date a Thai user reads,
    in our templates and in pages Django renders for us, in one consistent form.
    """
    if getattr(dateformat.DateFormat, "_buddhist_era", False):
        return
    ce_year, ce_short_year = dateformat.DateFormat.Y, dateformat.DateFormat.y

    def thai_active() -> bool:
        return (translation.get_language() or "").startswith("th")

    def Y(self: dateformat.DateFormat) -> int:
        # DateFormat holds a date or a datetime here (a bare time has no year format).
        return self.data.year + BE_OFFSET if thai_active() else ce_year(self)  # type: ignore[union-attr]

    def y(self: dateformat.DateFormat) -> str:
        return f"{(self.data.year + BE_OFFSET) % 100:02d}" if thai_active() else ce_short_year(self)  # type: ignore[union-attr]

    # Django's DateFormat has no hook for the year: its two year methods are replaced, once.
    dateformat.DateFormat.Y = Y  # type: ignore[method-assign]
    dateformat.DateFormat.y = y  # type: ignore[method-assign]
    dateformat.DateFormat._buddhist_era = True  # type: ignore[attr-defined]


def be_year(value: datetime.date) -> int:
    return value.year + BE_OFFSET


# The helpers below write Thai directly rather than through Django's formats: they are called for
# every row of long pages, and they must read the same whatever language is active.


def be_date(value: datetime.date | None) -> str:
    """9 มีนาคม 2565"""
    if value is None:
        return ""
    return f"{value.day} {thai_full_months[value.month - 1]} {be_year(value)}"


def be_date_short(value: datetime.date | None) -> str:
    """9 มี.ค. 2565"""
    if value is None:
        return ""
    return f"{value.day} {thai_abbr_months[value.month - 1]} {be_year(value)}"


def be_month(value: datetime.date | None) -> str:
    """มีนาคม 2565"""
    if value is None:
        return ""
    return f"{thai_full_months[value.month - 1]} {be_year(value)}"


def be_month_short(value: datetime.date | None) -> str:
    """มี.ค. 2565"""
    if value is None:
        return ""
    return f"{thai_abbr_months[value.month - 1]} {be_year(value)}"


def be_date_local(value: datetime.datetime | None) -> str:
    """The Bangkok date of a moment, as 9 มีนาคม 2565."""
    return be_date(timezone.localdate(value)) if value else ""


def be_datetime(value: datetime.datetime | None) -> str:
    """9 มี.ค. 2565, 14:30 in Bangkok time."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{be_date_short(local)}, {local.hour}:{local.minute:02d}"


def be_date_input(value: datetime.date | None) -> str:
    """9/3/2565: the form a person types, used to fill date inputs."""
    if value is None:
        return ""
    return f"{value.day}/{value.month}/{be_year(value)}"


def to_satang(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(SATANG, rounding=ROUND_HALF_UP)


def format_baht(amount: Decimal | int | str | None) -> str:
    """56,000.00"""
    if amount is None or amount == "":
        return ""
    return f"{to_satang(amount):,.2f}"


def format_quantity(value: Decimal | int | str | None) -> str:
    """2.500 → 2.5, 10.000 → 10, 1250 → 1,250: quantities without needless zeros."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def baht_words(amount: Decimal | int | str) -> str:
    """ห้าพันบาทถ้วน: the amount in words, as on receipts and in the report."""
    # PyThaiNLP takes a float and prints it with two decimals. Every amount the app holds has at
    # most 12 significant digits (max_digits=12), which a float carries exactly to the satang.
    return bahttext(float(to_satang(amount)))


def arabic_digits(text: str) -> str:
    """Thai digits (๐–๙) typed on a Thai keyboard read as 0–9."""
    return thai_digit_to_arabic_digit(text) if text else text


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for number, spellings in enumerate(thai_full_month_lists, start=1):
        for spelling in spellings:
            if not spelling.isdigit():
                names[_month_key(spelling)] = number
    return names


def _month_key(text: str) -> str:
    return re.sub(r"[\s.]", "", text)


MONTH_BY_NAME = _month_names()
MONTHS = list(enumerate(thai_full_months, start=1))

_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDED_DATE = re.compile(r"^(\d{1,2})\s*([^\d\s][^\d]*?)\s*(\d{2}|\d{4})$")


def check_be_year(year: int) -> int:
    """The C.E. year meant by a B.E. year a person typed, or a ValidationError saying why not."""
    if year < 100:
        # "9/3/65" is how many people write 2565.
        year += 2500
    if BE_YEAR_MIN <= year <= BE_YEAR_MAX:
        return year - BE_OFFSET
    if 1800 <= year < BE_YEAR_MIN:
        raise ValidationError(
            _(
                "The year %(year)s looks like a Christian-era (ค.ศ.) year. "
                "Type the Buddhist-era year (พ.ศ.), e.g. %(be)s."
            )
            % {"year": year, "be": year + BE_OFFSET},
            code="ce_year",
        )
    if year > BE_YEAR_MAX and BE_YEAR_MIN <= year - BE_OFFSET <= BE_YEAR_MAX:
        raise ValidationError(
            _(
                "The year %(year)s is 543 years too late: it seems 543 was added twice. "
                "Type the Buddhist-era year (พ.ศ.), e.g. %(be)s."
            )
            % {"year": year, "be": year - BE_OFFSET},
            code="be_year_twice",
        )
    raise ValidationError(
        _("The year %(year)s is not a Buddhist-era year this network uses. Type e.g. 2565.") % {"year": year},
        code="year_range",
    )


def parse_be_date(text: str | None) -> datetime.date:
    """A date typed in the Buddhist Era: 9/3/2565, 9/3/65, 9 มี.ค. 2565, 9 มีนาคม 2565, Thai digits
    allowed. Raises ValidationError with a Thai message that says what is wrong."""
    text = arabic_digits((text or "").strip())
    if not text:
        raise ValidationError(_("Enter a date."), code="required")
    if m := _NUMERIC_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _WORDED_DATE.match(text):
        day, year = int(m.group(1)), int(m.group(3))
        named = MONTH_BY_NAME.get(_month_key(m.group(2)))
        if named is None:
            raise ValidationError(
                _("“%(month)s” is not a Thai month. Type e.g. 9 มี.ค. 2565 or 9/3/2565.") % {"month": m.group(2)},
                code="month_name",
            )
        month = named
    else:
        raise ValidationError(
            _("Enter the date as day/month/Buddhist-era year, e.g. 9/3/2565 or 9 มี.ค. 2565."),
            code="invalid",
        )
    ce_year = check_be_year(year)
    try:
        return datetime.date(ce_year, month, day)
    except ValueError:
        raise ValidationError(
            _("There is no such day: %(day)s/%(month)s/%(year)s.")
            % {"day": day, "month": month, "year": ce_year + BE_OFFSET},
            code="no_such_day",
        ) from None


# Months: a month is stored as the date of its first day.


def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


def month_end(value: datetime.date) -> datetime.date:
    return add_months(month_start(value), 1) - datetime.timedelta(days=1)


def add_months(value: datetime.date, count: int) -> datetime.date:
    index = value.year * 12 + value.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """Number of months from first to last, both included (0 if last is before first)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def month_range(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    current = month_start(first)
    while current <= last:
        yield current
        current = add_months(current, 1)


def parse_be_month_slug(slug: str | None) -> datetime.date | None:
    """'2565-02' (B.E. year) → date(2022, 2, 1); None when it is not such a month."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", slug or "")
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and BE_YEAR_MIN <= year <= BE_YEAR_MAX):
        return None
    return datetime.date(year - BE_OFFSET, month, 1)


def be_month_slug(value: datetime.date) -> str:
    """date(2022, 2, 1) → '2565-02', the form months take in addresses."""
    return f"{be_year(value)}-{value.month:02d}"
