from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.forms import PeriodForm
from songkhla_network.forms import BEDateField, MoneyField


class DonationForm(forms.Form):
    donor = forms.CharField(label=_("Donor"), max_length=200)
    donor_detail = forms.CharField(label=_("Organisation or address"), max_length=300, required=False)
    date = BEDateField(label=_("Date received"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("Amount (baht)"))
    purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False)


class LevyForm(PeriodForm):
    date = BEDateField(label=_("Date of posting"), allow_future=False, initial=timezone.localdate, required=False)

    def clean(self):
        cleaned = super().clean()
        last = cleaned.get("last")
        if last and last > timezone.localdate().replace(day=1):
            self.add_error("last", _("This month has not come yet."))
        return cleaned


class CashReversalForm(forms.Form):
    date = BEDateField(label=_("Date of the correction"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class AsOfForm(forms.Form):
    as_of = BEDateField(label=_("Balance on"), required=False)
