import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField, BEMonthField, MoneyField
from songkhla_network.models import Community
from songkhla_network.thai import add_months, be_date_short, format_baht, month_end, month_start


class CollectionForm(forms.Form):
    date = BEDateField(label=_("date paid"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("amount received (baht)"))
    accept_advance = forms.BooleanField(
        label=_("advance rent: the household pays more than it owes, as rent for the months ahead"), required=False
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("reason for voiding"), max_length=300)


class ReceiptChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, receipt):
        return f"{receipt.number} · {be_date_short(receipt.date)} · {receipt.tenancy.tenant} · {format_baht(receipt.amount)}"


class RemittanceForm(forms.Form):
    receipts = ReceiptChoiceField(
        label=_("receipts this transfer pays to CODI"), queryset=None,
        error_messages={"required": _("Choose the receipts this transfer pays to CODI.")},
    )  # fmt: skip
    transfer_date = BEDateField(label=_("transfer date"), allow_future=False, initial=timezone.localdate)
    bank_reference = forms.CharField(label=_("bank reference"), max_length=100)
    amount = MoneyField(label=_("amount transferred (baht)"))

    def __init__(self, *args, receipts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receipts"].queryset = receipts
        self.fields["receipts"].initial = [r.pk for r in receipts]


class TenancyFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("community"), queryset=Community.objects.none(), required=False, empty_label=_("every community")
    )
    name = forms.CharField(label=_("name, plot or contract"), max_length=100, required=False)
    owing = forms.BooleanField(label=_("in arrears only"), required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        for name in ("community", "name"):
            field = self.fields[name]
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


class PeriodForm(forms.Form):
    """A period of days, this month to date unless chosen."""

    first = BEDateField(label=_("from"))
    last = BEDateField(label=_("to"))

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        super().__init__(data if data and "first" in data else None, initial={"first": month_start(today), "last": today}, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("first") and cleaned.get("last") and cleaned["first"] > cleaned["last"]:
            self.add_error("last", _("The end of the period is before its start."))
        return cleaned

    def period(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data["first"], self.cleaned_data["last"]
        return self.initial["first"], self.initial["last"]


class MonthsForm(forms.Form):
    """A range of months, the last twelve unless chosen."""

    first = BEMonthField(label=_("from month"))
    last = BEMonthField(label=_("to month"))

    MAX_MONTHS = 36

    def __init__(self, data=None, **kwargs):
        this_month = month_start(timezone.localdate())
        super().__init__(
            data if data and "first_0" in data else None, initial={"first": add_months(this_month, -11), "last": this_month}, **kwargs
        )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            if first > last:
                self.add_error("last", _("The last month is before the first."))
            elif (last.year - first.year) * 12 + last.month - first.month >= self.MAX_MONTHS:
                self.add_error("last", _("Choose at most %(count)s months.") % {"count": self.MAX_MONTHS})
        return cleaned

    def months(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data["first"], month_end(self.cleaned_data["last"])
        return self.initial["first"], month_end(self.initial["last"])
