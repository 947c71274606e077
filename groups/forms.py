import uuid

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField, BEMonthField, MoneyField
from songkhla_network.thai import be_date, be_month

AMOUNT_PREFIX = "amount_"


class MonthChoiceForm(forms.Form):
    month = BEMonthField(label=_("Month"), allow_future=False)


class CollectionSheetForm(forms.Form):
    """One amount per active member, blank for those who did not pay. Posting a member the form
    did not list (another group's, or one who had not joined yet) is an error, not a silent skip."""

    paid_on = BEDateField(label=_("Collected on"), allow_future=False)

    def __init__(self, *args, members, month, **kwargs):
        super().__init__(*args, **kwargs)
        self.month = month
        self.members = members
        for member in members:
            self.fields[f"{AMOUNT_PREFIX}{member.pk}"] = MoneyField(
                label=str(member.person),
                required=False,
                error_messages={"not_positive": _("More than 0 baht, or leave it empty if the member did not pay.")},
            )

    def field_error_count(self):
        return sum(1 for name in self.errors if name != NON_FIELD_ERRORS)

    def member_rows(self):
        return [(member, self[f"{AMOUNT_PREFIX}{member.pk}"]) for member in self.members]

    def clean(self):
        cleaned = super().clean()
        listed = {f"{AMOUNT_PREFIX}{m.pk}" for m in self.members}
        strangers = [key for key in self.data if key.startswith(AMOUNT_PREFIX) and key not in listed]
        if strangers:
            raise forms.ValidationError(
                _(
                    "The sheet holds amounts for people who are not on this group's sheet for %(month)s. "
                    "Nothing was saved; reload the sheet."
                )
                % {"month": be_month(self.month)},
                code="stranger",
            )
        if not self.errors and not self.amounts():
            raise forms.ValidationError(_("No amounts entered: enter at least one member's deposit."), code="empty")
        return cleaned

    def amounts(self):
        return {
            m.pk: self.cleaned_data[f"{AMOUNT_PREFIX}{m.pk}"]
            for m in self.members
            if self.cleaned_data.get(f"{AMOUNT_PREFIX}{m.pk}")
        }


class RequestKeyMixin(forms.Form):
    """A token rendered with the form: the same form submitted twice posts once."""

    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class DepositForm(RequestKeyMixin):
    month = BEMonthField(label=_("For month"), allow_future=False)
    date = BEDateField(label=_("Date paid"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("Amount (baht)"))

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month and not self.member.active_in(month):
            if self.member.left_on and month > self.member.left_on:
                message = _("%(member)s had left the group by %(month)s (left %(date)s).")
                date = self.member.left_on
            else:
                message = _("%(member)s had not joined the group yet in %(month)s (joined %(date)s).")
                date = self.member.joined_on
            raise forms.ValidationError(
                message % {"member": self.member.person, "month": be_month(month), "date": be_date(date)},
                code="not_member",
            )
        return month


class WithdrawalForm(RequestKeyMixin):
    date = BEDateField(label=_("Date"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("Amount (baht)"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date < self.member.joined_on:
            raise forms.ValidationError(_("The date is before the member joined."), code="before_joined")
        return date


class ReversalForm(forms.Form):
    date = BEDateField(label=_("Date of the correction"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("Why the row is wrong, e.g. typed 1,000 instead of 100.")
    )
