"""The forms of a person's data under the PDPA."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("name, national ID number or phone"), max_length=100, required=False)


class ErasureForm(forms.Form):
    """What a leader says before a person's data are erased: why, and that they know it is final."""

    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("E.g. the person's written request and its date."),
        error_messages={"required": _("Say why the data are erased, e.g. the person's written request and its date.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that the name, national ID number, phone and address cannot be brought back"),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )
