from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from songkhla_network.forms import BEDateField
from songkhla_network.models import Person
from songkhla_network.thai import arabic_digits

from .models import Level, Unit, WorkKind
from .photos import MAX_UPLOAD_BYTES

IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/heic,.jpg,.jpeg,.png,.webp"


class QuantityField(forms.DecimalField):
    """A quantity such as 120 bottles or 15.5 litres: Thai digits and separators allowed."""

    default_error_messages = {
        "invalid": _("Enter a number, e.g. 120 or 15.5."),
        "max_digits": _("The number is too large."),
        "max_decimal_places": _("At most 2 digits after the point."),
        "max_whole_digits": _("The number is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = arabic_digits(value).replace(",", "").strip()
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError(_("The quantity must be more than 0."), code="not_positive")


class PersonChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, person):
        return str(person)


class WorkForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind of work"), choices=WorkKind.choices)
    title = forms.CharField(label=_("name of the work"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    started_on = BEDateField(label=_("started on"), allow_future=False, initial=timezone.localdate)
    participants = PersonChoiceField(label=_("people taking part"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        # The community's savers and surveyed households.
        self.fields["participants"].queryset = (
            (
                Person.objects.filter(community=community)
                | Person.objects.filter(memberships__group__community=community)
            )
            .distinct()
            .order_by("first_name", "last_name")
        )


class QuantityForm(forms.Form):
    date = BEDateField(label=_("date"), allow_future=False, initial=timezone.localdate)
    amount = QuantityField(label=_("quantity"))
    unit = forms.ChoiceField(label=_("unit"), choices=Unit.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("photo"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}),
        error_messages={"required": _("Choose a photo."), "empty": _("The file is empty.")},
        help_text=_("Taken with the phone or chosen from its pictures; at most %(mb)s MB. Location data is removed.")
        % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024},
    )
    caption = forms.CharField(label=_("caption"), max_length=300, required=False)


class ContestForm(forms.Form):
    name = forms.CharField(label=_("contest"), max_length=300)
    organiser = forms.CharField(label=_("organiser"), max_length=300)
    level = forms.ChoiceField(label=_("level"), choices=Level.choices)
    date = BEDateField(label=_("date of judging"))
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class WorkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, work):
        return f"{work.title} · {work.community}"


class EntryForm(forms.Form):
    work = WorkChoiceField(label=_("work"), queryset=None)

    def __init__(self, *args, works, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work"].queryset = works


class ResultForm(EntryForm):
    rank = forms.TypedChoiceField(
        label=_("place"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 11)],
    )
    award = forms.CharField(label=_("award"), max_length=300, required=False)


class DocumentForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("works", "title"), max_length=300)
    file = forms.FileField(
        label=_("file (PDF or photo)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf," + IMAGE_TYPES}),
        error_messages={"required": _("Choose the file."), "empty": _("The file is empty.")},
    )
