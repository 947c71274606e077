import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField, BEMonthField, DateRangeForm, MoneyField
from songkhla_network.models import Community, User
from songkhla_network.thai import be_date_short, format_baht, month_start

from .models import COLLECTING_ROLES, PaymentMethod, TransferAccount


class CollectionForm(forms.Form):
    date = BEDateField(label=_("date paid"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("amount received (baht)"))
    accept_advance = forms.BooleanField(
        label=_("advance rent: the household pays more than it owes, as rent for the months ahead"), required=False
    )
    # Not required: a form sent without it (an old page still open) is cash, as every receipt was.
    method = forms.ChoiceField(
        label=_("paid by"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CASH,
        required=False,
        widget=forms.RadioSelect,
    )
    bank_reference = forms.CharField(
        label=_("bank reference of the transfer"),
        max_length=100,
        required=False,
        help_text=_("As on the slip in the household's banking app; a slip is taken once."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_method(self):
        return self.cleaned_data.get("method") or PaymentMethod.CASH


class RentChangeForm(forms.Form):
    """A tenancy's new monthly rent and the month it is in force from (this month or a later one:
    the service says so beside the field)."""

    from_month = BEMonthField(label=_("in force from month"), initial=lambda: month_start(timezone.localdate()))
    amount = MoneyField(label=_("new monthly rent (baht)"))


class TenancyEndForm(forms.Form):
    ended_on = BEDateField(label=_("tenancy ended on"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("why the tenancy ended"), max_length=300)


class StatementPeriodForm(DateRangeForm):
    """The days of a household's statement: from the day of its opening arrears to today unless
    chosen."""

    def __init__(self, data=None, *, tenancy, **kwargs):
        super().__init__(data, **kwargs)
        self.initial["first"] = tenancy.opening_on


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


COMMUNITIES_PREFIX = "communities_"


class LetterRequestForm(forms.Form):
    """Who the network proposes CODI names, each with the communities they would collect in, and
    the day whose arrears the request shows. Communities ticked under a person not proposed are
    an error, not silently dropped: the leader meant something by them.

    The choices are the lists given, already loaded: the form asks the database nothing more,
    however many collectors and communities it offers."""

    date = BEDateField(label=_("Arrears as of"), allow_future=False)
    collectors = forms.TypedMultipleChoiceField(
        label=_("Proposed collectors"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person to propose as a collector.")},
    )

    def __init__(self, *args, candidates, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.communities = {c.pk: c for c in communities}
        self.fields["collectors"].choices = [(u.pk, str(u)) for u in candidates]
        for user in candidates:
            self.fields[f"{COMMUNITIES_PREFIX}{user.pk}"] = forms.TypedMultipleChoiceField(
                label=_("Communities of %(name)s") % {"name": user},
                choices=[(c.pk, c.name) for c in communities],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def rows(self):
        """Each candidate with whether they are ticked, and the field of their communities."""
        chosen = {str(v) for v in (self["collectors"].value() or [])}
        return [(user, str(user.pk) in chosen, self[f"{COMMUNITIES_PREFIX}{user.pk}"]) for user in self.candidates]

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("collectors") or [])
        for user in self.candidates:
            name = f"{COMMUNITIES_PREFIX}{user.pk}"
            if name in self.errors:
                continue
            communities = cleaned.get(name)
            if user.pk in chosen and not communities:
                self.add_error(name, _("Tick the communities where %(name)s would collect.") % {"name": user})
            elif communities and user.pk not in chosen and "collectors" not in self.errors:
                self.add_error(
                    name, _("Tick %(name)s as a proposed collector too, or clear these communities.") % {"name": user}
                )
        return cleaned

    def assignments(self):
        """[(user, [communities])] for `selectors.letter_request_draft`."""
        chosen = set(self.cleaned_data["collectors"])
        return [
            (user, [self.communities[pk] for pk in self.cleaned_data[f"{COMMUNITIES_PREFIX}{user.pk}"]])
            for user in self.candidates
            if user.pk in chosen
        ]


class TransferAccountForm(forms.Form):
    """A PromptPay account the leaders set: CODI's, or a collector's (an empty ID takes a
    collector's account away). The ID is checked by the service, beside the field."""

    kind = forms.ChoiceField(label=_("whose account"), choices=TransferAccount.Kind.choices, widget=forms.RadioSelect)
    collector = forms.ModelChoiceField(
        label=_("collector"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("choose, for a collector's account"),
    )
    promptpay_id = forms.CharField(
        label=_("PromptPay ID"),
        max_length=30,
        required=False,
        help_text=_("A mobile number (10 digits), a national ID or tax ID (13 digits) or an e-wallet ID (15 digits)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("account name"),
        max_length=200,
        required=False,
        help_text=_("The name the banking app shows before paying: the payer checks it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = User.objects.filter(role__in=COLLECTING_ROLES, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
