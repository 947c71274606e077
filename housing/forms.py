from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.selectors import current_members
from songkhla_network.forms import BEDateField, MoneyField, NationalIdField
from songkhla_network.models import Community, ConsentMethod, Person
from songkhla_network.thai import arabic_digits

from .models import Step, Tenure
from .selectors import likely_duplicates, verified_households


class CountField(forms.IntegerField):
    """People in a household: a whole number, 0 or more, Thai digits allowed."""

    default_error_messages = {
        "invalid": _("Enter a whole number of people, e.g. 2."),
        "min_value": _("The number cannot be below %(limit_value)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 50)
        super().__init__(widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}), **kwargs)

    def to_python(self, value):
        return super().to_python(arabic_digits(str(value)).strip() if value not in self.empty_values else value)


class SurveyForm(forms.Form):
    title = forms.ChoiceField(label=_("title"), choices=[("", "—")] + list(Person.Title.choices), required=False)
    first_name = forms.CharField(label=_("first name"), max_length=100)
    last_name = forms.CharField(label=_("last name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    national_id = NationalIdField(label=_("national ID number"), required=False)
    community = forms.ModelChoiceField(label=_("community today"), queryset=Community.objects.all())
    address = forms.CharField(label=_("address today"), max_length=300, required=False)
    adults = CountField(label=_("adults"), min_value=1)
    children = CountField(label=_("children"), initial=0)
    elderly = CountField(label=_("elderly people"), initial=0)
    disabled = CountField(label=_("people with disabilities"), initial=0)
    tenure = forms.ChoiceField(label=_("current tenure"), choices=Tenure.choices)
    monthly_income = MoneyField(label=_("monthly income (baht)"), allow_zero=True)
    housing_cost = MoneyField(label=_("monthly housing cost (baht)"), allow_zero=True)
    can_pay = MoneyField(label=_("can pay each month for a new home (baht)"), allow_zero=True)
    member = forms.ModelChoiceField(
        label=_("savings-group member"),
        queryset=current_members().none(),
        required=False,
        help_text=_("If the head of household saves in a group."),
    )
    reason = forms.CharField(label=_("reason for moving"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    preferred_area = forms.CharField(label=_("preferred area"), max_length=200, required=False)
    surveyed_on = BEDateField(label=_("survey date"), allow_future=False, initial=timezone.localdate)
    # PDPA: the survey keeps income and disabilities (health data, a sensitive kind), so nothing is
    # saved without the head of household's explicit consent to this purpose.
    consent_given = forms.BooleanField(
        label=_(
            "The head of household consents to the network keeping these data for the relocation survey and the "
            "housing proposal to CODI"
        ),
        error_messages={
            "required": _(
                "Without the head of household's consent the survey cannot be saved. "
                "Ask them to sign the consent form first, then tick this box."
            )
        },
    )
    consent_on = BEDateField(label=_("consent date"), allow_future=False, initial=timezone.localdate)
    consent_how = forms.ChoiceField(
        label=_("how consent was given"), choices=ConsentMethod.choices, initial=ConsentMethod.SIGNED_FORM
    )
    consent_witness = forms.CharField(
        label=_("witness"), max_length=200, required=False, help_text=_("Required for consent given by word of mouth.")
    )
    not_a_duplicate = forms.BooleanField(
        label=_("I checked: this is a different household"), required=False, widget=forms.HiddenInput
    )

    PERSON_FIELDS = ["title", "first_name", "last_name", "phone", "national_id"]
    HOUSEHOLD_FIELDS = [
        "community",
        "address",
        "adults",
        "children",
        "elderly",
        "disabled",
        "tenure",
        "monthly_income",
        "housing_cost",
        "can_pay",
        "member",
        "reason",
        "preferred_area",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = current_members()
        self.duplicates = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent_how") == ConsentMethod.VERBAL and not cleaned.get("consent_witness", "").strip():
            self.add_error("consent_witness", _("Consent given by word of mouth needs the name of a witness."))
        national_id = cleaned.get("national_id")
        if not self.errors and cleaned.get("community"):
            self.duplicates = list(
                likely_duplicates(
                    national_id=national_id,
                    first_name=cleaned["first_name"],
                    last_name=cleaned["last_name"],
                    community=cleaned["community"],
                )
            )
            if self.duplicates and not cleaned.get("not_a_duplicate"):
                self.fields["not_a_duplicate"].widget = forms.CheckboxInput()
                raise forms.ValidationError(
                    _(
                        "This household may already be in the survey (same national ID, or same name in the same "
                        "community). Check the list below; tick the box to save it anyway."
                    ),
                    code="duplicate",
                )
        return cleaned

    def person(self):
        person = {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
        person["community"] = self.cleaned_data["community"]
        person["address"] = self.cleaned_data["address"]
        return person

    def household(self):
        return {name: self.cleaned_data[name] for name in self.HOUSEHOLD_FIELDS}

    def consent(self):
        data = self.cleaned_data
        return {"given_on": data["consent_on"], "how": data["consent_how"], "witness": data["consent_witness"].strip()}


class StepForm(forms.Form):
    # Surveyed is the first step, taken by the survey; a household goes into a proposal on the
    # proposal's page, which records which proposal.
    step = forms.ChoiceField(
        label=_("status"), choices=[c for c in Step.choices if c[0] not in (Step.SURVEYED, Step.PROPOSED)]
    )
    date = BEDateField(label=_("date"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class TakeOutForm(forms.Form):
    """Why and when a household is taken out of a proposal. The date may be the proposal's own
    (a step "in a proposal" is dated on it, even ahead of today), never later."""

    date = BEDateField(label=_("date"))
    reason = forms.CharField(
        label=_("why it is taken out"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the household is taken out of the proposal.")},
    )

    def __init__(self, *args, proposed_on, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest_day = max(timezone.localdate(), proposed_on)
        self.fields["date"].initial = self.latest_day

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > self.latest_day:
            raise forms.ValidationError(_("This date is in the future."), code="future")
        return date


class HouseholdChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, household):
        return f"{household.head} · {household.community} · " + str(_("%(count)s people") % {"count": household.size})


class ProposalHouseholdsForm(forms.Form):
    """Verified households to take into a proposal."""

    households = HouseholdChoiceField(
        label=_("verified households to include"),
        queryset=None,
        error_messages={"required": _("Tick at least one household.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["households"]
        field.queryset = (
            verified_households().select_related("head", "community").order_by("community__name", "head__first_name")
        )


class ProposalForm(ProposalHouseholdsForm):
    title = forms.CharField(label=_("project title"), max_length=300)
    date = BEDateField(label=_("date"), initial=timezone.localdate)
    target_site = forms.CharField(label=_("target site"), max_length=300)
    background = forms.CharField(
        label=_("background and reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Printed at the head of the proposal."),
    )

    field_order = ["title", "date", "target_site", "background", "households"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].required = False
        self.fields["households"].initial = [h.pk for h in self.fields["households"].queryset]  # all, to begin with
        self.fields["households"].help_text = _("Only verified households not yet in a proposal are listed.")


class BudgetLineForm(forms.Form):
    item = forms.CharField(label=_("item"), max_length=300)
    amount = MoneyField(label=_("amount (baht)"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("the filled-in template (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"}
        ),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty.")},
    )


class HouseholdFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("community"), queryset=Community.objects.none(), required=False, empty_label=_("every community")
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("every status"))] + list(Step.choices), required=False
    )
    name = forms.CharField(label=_("name"), max_length=100, required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
