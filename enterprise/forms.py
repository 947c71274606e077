import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from songkhla_network.forms import PERIOD_BACKWARDS, BEDateField, MoneyField, MonthRangeForm
from songkhla_network.thai import arabic_digits

from .models import LiquidSale, Product, RawMaterial, Recipe


class DonationForm(forms.Form):
    donor = forms.CharField(label=_("Donor"), max_length=200)
    donor_detail = forms.CharField(label=_("Organisation or address"), max_length=300, required=False)
    date = BEDateField(label=_("Date received"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=_("Amount (baht)"))
    purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False)


class LevyForm(MonthRangeForm):
    """The months whose deposits owe the levy (none still to come), and the day it is posted."""

    date = BEDateField(label=_("Date of posting"), allow_future=False, initial=timezone.localdate, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, allow_future=False, **kwargs)


class ReversalForm(forms.Form):
    """A correction of a cash row, a donation or a batch: the day it is made, and why."""

    date = BEDateField(label=_("Date of the correction"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CashPeriodForm(forms.Form):
    """The days of the cash book to show: from the first row when `first` is empty, to today when
    `last` is."""

    first = BEDateField(label=_("from"), required=False)
    last = BEDateField(label=_("to"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("first") and cleaned.get("last") and cleaned["last"] < cleaned["first"]:
            self.add_error("last", PERIOD_BACKWARDS)
        return cleaned

    def period(self, beginning):
        """(first day, last day): as chosen, `beginning` and today when left empty or wrong."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("first") or beginning, data.get("last") or timezone.localdate()


class WholeUnitsField(forms.IntegerField):
    """Whole units, 0 or more: '3', '๓' read as 3; '1.5' and '-1' are refused in plain Thai."""

    default_error_messages = {
        "invalid": _("Enter a whole number of units, e.g. 2."),
        "negative": _("The number cannot be below 0."),
        "too_large": _("The number is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def widget_attrs(self, widget):
        return {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = arabic_digits(str(value)).strip()
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
        if not re.fullmatch(r"-?[0-9]+", text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(text) > 10:  # far beyond any count, and int() refuses thousands of digits
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return int(text)

    def validate(self, value):
        super().validate(value)
        if value is not None and value < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if value is not None and value > 100000:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")

    def run_validators(self, value):
        pass


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    opened_on = BEDateField(label=_("Opened on"), initial=timezone.localdate)
    closes_on = BEDateField(label=_("Orders close on"))
    pickup_on = BEDateField(label=_("Pick-up on"))

    def clean(self):
        cleaned = super().clean()
        opened, closes, pickup = cleaned.get("opened_on"), cleaned.get("closes_on"), cleaned.get("pickup_on")
        if opened and closes and closes < opened:
            self.add_error("closes_on", _("Orders cannot close before the round opens."))
        if closes and pickup and pickup < closes:
            self.add_error("pickup_on", _("Pick-up cannot come before orders close."))
        return cleaned


def quantity_key(member, item):
    return quantity_key_ids(member.pk, item.pk)


def quantity_key_ids(member_id, item_id):
    return f"qty_{member_id}_{item_id}"


class OrderSheetForm(forms.Form):
    """One box per member and product; empty or 0 means no order. Boxes the form did not offer
    (another group's member slipped into the post) are an error, not a silent skip."""

    def __init__(self, *args, members, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.members, self.items = members, items
        for member in members:
            for item in items:
                self.fields[quantity_key(member, item)] = WholeUnitsField(
                    label=f"{member.person} · {item.product.name}"
                )

    def rows(self):
        return [(member, [(item, self[quantity_key(member, item)]) for item in self.items]) for member in self.members]

    def clean(self):
        cleaned = super().clean()
        if any(key.startswith("qty_") and key not in self.fields for key in self.data):
            raise forms.ValidationError(
                _("The sheet holds orders for people who are not in this group. Nothing was saved; reload the sheet."),
                code="stranger",
            )
        return cleaned

    def quantities(self):
        return {
            (member.pk, item.pk): self.cleaned_data.get(quantity_key(member, item)) or 0
            for member in self.members
            for item in self.items
        }


class CloseRoundForm(forms.Form):
    def __init__(self, *args, totals, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals = totals
        for total in totals:
            self.fields[f"packs_{total.item.pk}"] = WholeUnitsField(
                label=str(total.item.product), required=True, initial=total.packs_up
            )

    def rows(self):
        return [(total, self[f"packs_{total.item.pk}"]) for total in self.totals]

    def packs(self):
        return {total.item.pk: self.cleaned_data[f"packs_{total.item.pk}"] for total in self.totals}


class ReceiveForm(forms.Form):
    date = BEDateField(label=_("Date received"), allow_future=False, initial=timezone.localdate)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"packs_{item.pk}"] = WholeUnitsField(
                label=str(item.product), required=True, initial=item.packs_to_buy
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("Note"), max_length=300, required=False)

    def rows(self):
        return [(item, self[f"packs_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def received(self):
        return {item.pk: self.cleaned_data[f"packs_{item.pk}"] for item in self.items}

    def notes(self):
        return {item.pk: self.cleaned_data[f"note_{item.pk}"] for item in self.items}


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount (baht)"))
    date = BEDateField(label=pgettext_lazy("enterprise", "Date paid"), allow_future=False, initial=timezone.localdate)


class AllocationForm(forms.Form):
    quantity = WholeUnitsField(label=_("Units the member gets"), required=True)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class QuantityField(forms.DecimalField):
    """A quantity of material or litres: more than 0, Thai digits allowed."""

    default_error_messages = {
        "invalid": _("Enter a number, e.g. 2.5."),
        "not_positive": _("The quantity must be more than 0."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return super().to_python(arabic_digits(str(value)).replace(",", "").strip())

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError(self.error_messages["not_positive"], code="not_positive")


class MaterialPurchaseForm(forms.Form):
    material = forms.ModelChoiceField(label=_("Raw material"), queryset=RawMaterial.objects.all())
    quantity = QuantityField(label=_("Quantity"))
    cost = MoneyField(label=_("Cost (baht)"))
    date = BEDateField(label=_("Date bought"), allow_future=False, initial=timezone.localdate)


class BatchForm(forms.Form):
    recipe = forms.ModelChoiceField(label=_("Liquid"), queryset=Recipe.objects.all())
    date = BEDateField(label=_("Date made"), allow_future=False, initial=timezone.localdate)
    scale = QuantityField(label=_("Scale (1 = the recipe as written)"), max_digits=6, decimal_places=2, initial=1)
    litres = QuantityField(label=_("Litres made"), max_digits=10, decimal_places=2)
    makers = forms.ModelMultipleChoiceField(
        label=_("Members who made it"),
        queryset=None,  # the members who have not left: given by the view
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, makers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["makers"].queryset = makers


class LiquidSaleForm(forms.Form):
    recipe = forms.ModelChoiceField(label=_("Liquid"), queryset=Recipe.objects.all())
    buyer = forms.ChoiceField(label=_("Sold to"), choices=LiquidSale.Buyer.choices, widget=forms.RadioSelect)
    member = forms.ModelChoiceField(label=_("Member"), queryset=None, required=False)  # given by the view
    litres = QuantityField(label=_("Litres"), max_digits=10, decimal_places=2)
    date = BEDateField(label=_("Date"), allow_future=False, initial=timezone.localdate)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("buyer") == LiquidSale.Buyer.MEMBER and not cleaned.get("member"):
            self.add_error("member", _("Choose the member."))
        return cleaned


class StockMoveForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("name"))
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            ("out", _("Given out or sold")),
            ("spoiled", _("Spoiled")),
            ("counted", _("Counted: the units found")),
        ],
        widget=forms.RadioSelect,
    )
    quantity = WholeUnitsField(label=_("Units"), required=True)
    date = BEDateField(label=_("Date"), allow_future=False, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
