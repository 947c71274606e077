import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField, MoneyField
from songkhla_network.models import Community
from songkhla_network.thai import be_date_short, format_baht


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
        return (
            f"{receipt.number} · {be_date_short(receipt.date)} · {receipt.tenancy.tenant} · "
            f"{format_baht(receipt.amount)}"
        )


class RemittanceForm(forms.Form):
    receipts = ReceiptChoiceField(
        label=_("receipts this transfer pays to CODI"),
        queryset=None,
        error_messages={"required": _("Choose the receipts this transfer pays to CODI.")},
    )
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
