"""Form fields that turn what a Thai user types into domain values: B.E. dates and months,
baht amounts (with Thai digits and thousands separators allowed), national ID numbers."""

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import thai
from .validators import validate_national_id

MONEY_MAX = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


class BEDateInput(forms.TextInput):
    """A text box showing and taking B.E. dates: phones' native date pickers show C.E. years."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"placeholder": _("d/m/yyyy (B.E.), e.g. 9/3/2565"), "autocomplete": "off"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime.date):
            return thai.be_date_input(value)
        return super().format_value(value)


class BEDateField(forms.DateField):
    widget = BEDateInput

    def __init__(self, *, allow_future: bool = True, **kwargs: Any) -> None:
        self.allow_future = allow_future
        super().__init__(**kwargs)

    def to_python(self, value: str | datetime.date | None) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        return thai.parse_be_date(str(value))

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value and not self.allow_future and value > timezone.localdate():
            raise ValidationError(_("This date is in the future."), code="future")


class BEMonthWidget(forms.MultiWidget):
    template_name = "songkhla_network/widgets/be_month.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        month_choices = [("", _("month"))] + [(str(n), name) for n, name in thai.MONTHS]
        super().__init__(
            [
                forms.Select(choices=month_choices, attrs={"class": "form-select", "aria-label": _("month")}),
                forms.TextInput(
                    attrs={
                        "class": "form-control",
                        "inputmode": "numeric",
                        "size": 5,
                        "placeholder": _("year (B.E.)"),
                        "aria-label": _("year (B.E.)"),
                    }
                ),
            ],
            attrs,
        )

    def decompress(self, value: datetime.date | None) -> list[str | None]:
        if isinstance(value, datetime.date):
            return [str(value.month), str(thai.be_year(value))]
        return [None, None]


class BEMonthField(forms.MultiValueField):
    """A month chosen as a Thai month name and a B.E. year; cleans to the month's first day."""

    widget = BEMonthWidget
    default_error_messages = {
        "invalid_year": _("Type the year in the Buddhist Era (พ.ศ.), e.g. 2565."),
        "incomplete": _("Choose both the month and the year."),
    }

    def __init__(self, *, allow_future: bool = True, **kwargs: Any) -> None:
        self.allow_future = allow_future
        fields = (
            forms.TypedChoiceField(choices=[(str(n), name) for n, name in thai.MONTHS], coerce=int),
            forms.CharField(),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> datetime.date | None:
        if not data_list or all(v in self.empty_values for v in data_list):
            return None
        month, year_text = data_list
        if month in self.empty_values or year_text in self.empty_values:
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        year_text = thai.arabic_digits(year_text.strip())
        # ASCII digits, and few: str.isdigit() also takes "²", and int() refuses thousands of digits.
        if not re.fullmatch(r"[0-9]{1,6}", year_text):
            raise ValidationError(self.error_messages["invalid_year"], code="invalid_year")
        ce_year = thai.check_be_year(int(year_text))
        return datetime.date(ce_year, int(month), 1)

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value and not self.allow_future and value > thai.month_start(timezone.localdate()):
            raise ValidationError(_("This month has not come yet."), code="future")


class MoneyField(forms.DecimalField):
    """Baht and satang: '1,500', '1500.5', '๑๕๐๐' all read as Decimal('1500.00')."""

    widget = forms.TextInput  # a number input would refuse "1,500" and Thai digits
    default_error_messages = {
        "invalid": _("Enter an amount in baht, e.g. 1,500 or 1500.50."),
        "not_positive": _("The amount must be more than 0 baht."),
        "too_large": _("The amount is too large."),
        "satang": _("Baht amounts have at most 2 digits after the point (satang)."),
    }

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    # django-stubs types DecimalField as an IntegerField, whose to_python gives an int; its own
    # to_python is marked as this one is.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        text = thai.arabic_digits(str(value)).strip().replace(",", "").replace(" ", "")
        text = re.sub(r"(บาท|฿)$", "", text)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount

    def validate(self, value: Decimal | None) -> None:
        forms.Field.validate(self, value)
        if value is None:
            return
        if value < 0 or (value == 0 and not self.allow_zero):
            raise ValidationError(self.error_messages["not_positive"], code="not_positive")
        if value > MONEY_MAX:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        # Finite (to_python refused the rest), so the exponent is a number.
        if cast(int, value.as_tuple().exponent) < -2 and value != value.quantize(thai.SATANG):
            raise ValidationError(self.error_messages["satang"], code="satang")

    def run_validators(self, value: Any) -> None:
        # Our own checks above say it in plain Thai; Django's decimal validators would repeat them.
        pass

    def clean(self, value: Any) -> Decimal | None:
        value = super().clean(value)
        return None if value is None else value.quantize(thai.SATANG)


class NationalIdField(forms.CharField):
    """13 digits, dashes and spaces allowed, Thai digits too; checked by its check digit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> str | None:
        value = super().to_python(value)
        return re.sub(r"[\s\-]", "", thai.arabic_digits(value)) if value else value

    def validate(self, value: str | None) -> None:
        super().validate(value)
        if value:
            validate_national_id(value)


def _bound(data: Mapping[str, Any] | None, *names: str) -> Mapping[str, Any] | None:
    """The form's data when the request chose a period, else None: a page opened plainly shows its
    default period, and a form sent with other fields of the page (a search) is not an error."""
    return data if data and any(name in data for name in names) else None


class MonthRangeForm(forms.Form):
    """A period of whole months, `first` to `last`, both included. Unbound it stands for its default
    period; bound and wrong it carries its errors beside the fields, and `period()` still gives the
    default, so the page shows figures under the form.

    default: "year" (January of this year to this month) or the number of months up to and
    including this month. max_months: the longest period allowed (None: no limit).
    allow_future: False refuses a last month that has not come yet."""

    first = BEMonthField(label=_("from month"))
    last = BEMonthField(label=_("to month"))

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        default: int | Literal["year"] = 3,
        max_months: int | None = None,
        allow_future: bool = True,
        **kwargs: Any,
    ) -> None:
        this_month = thai.month_start(timezone.localdate())
        start = this_month.replace(month=1) if default == "year" else thai.add_months(this_month, 1 - default)
        self.max_months = max_months
        super().__init__(
            _bound(data, "first_0", "first_1", "last_0", "last_1"),
            initial={"first": start, "last": this_month},
            **kwargs,
        )
        cast(BEMonthField, self.fields["last"]).allow_future = allow_future

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if last < first:
                self.add_error("last", PERIOD_BACKWARDS)
            elif self.max_months and thai.months_between(first, last) > self.max_months:
                self.add_error("last", _("Choose at most %(count)s months.") % {"count": self.max_months})
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        """(first month, last month), each as its first day: as chosen, or the default."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["first"], self.cleaned_data["last"]
        return self.initial["first"], self.initial["last"]

    def days(self) -> tuple[datetime.date, datetime.date]:
        """(the first day of the first month, the last day of the last month)."""
        first, last = self.period()
        return first, thai.month_end(last)


class DateRangeForm(forms.Form):
    """A period of days, `first` to `last`, both included: this month to today unless chosen.
    Unbound or wrong, `period()` gives the default, as MonthRangeForm does."""

    first = BEDateField(label=_("from"))
    last = BEDateField(label=_("to"))

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        today = timezone.localdate()
        super().__init__(
            _bound(data, "first", "last"), initial={"first": thai.month_start(today), "last": today}, **kwargs
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("first") and cleaned.get("last") and cleaned["last"] < cleaned["first"]:
            self.add_error("last", PERIOD_BACKWARDS)
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["first"], self.cleaned_data["last"]
        return self.initial["first"], self.initial["last"]


# One rule, one message, for a period of months and one of days.
PERIOD_BACKWARDS = _("The end of the period comes before its start.")


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names; what names no field of the
    form goes on top of it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
