import copy
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField, BEMonthField, MoneyField
from songkhla_network.models import Person
from songkhla_network.thai import MONTHS, add_months, be_date, be_month, format_baht, format_quantity, month_start

from . import selectors
from .models import ALLOCATION_FIELDS, LoanMethod, SavingsGroup

AMOUNT_PREFIX = "amount_"
REPAY_PREFIX = "repay_"


class MonthChoiceForm(forms.Form):
    month = BEMonthField(label=_("Month"), allow_future=False)


def _labelled(field: forms.Field, label: str) -> forms.Field:
    """A copy of the field with its own label."""
    copied = copy.copy(field)
    copied.label = label
    return copied


class CollectionSheetForm(forms.Form):
    """One amount per active member, blank for those who did not pay. Posting a member the form
    did not list (another group's, or one who had not joined yet) is an error, not a silent skip."""

    paid_on = BEDateField(label=_("Collected on"), allow_future=False)

    def __init__(self, *args, members, month, loans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.month = month
        self.members = members
        self._typed: dict[str, str] = {}
        # {member id: [LoanPosition]}: a box for each loan of theirs still owed, beside their saving.
        self.loans = {m.pk: (loans or {}).get(m.pk, []) for m in members}
        if not self.is_bound:
            # The sheet opened: its boxes are written from `initial` (box), and nothing is cleaned.
            # A field for each box is made only for a sheet sent (a tenth of the form's CPU).
            return
        # Each box a copy of one field of its kind: making forty fields one by one was a tenth of
        # the sheet's CPU (issue 16). A field holds no figure of its own (its bound field does).
        amount = MoneyField(
            required=False,
            error_messages={"not_positive": _("More than 0 baht, or leave it empty if the member did not pay.")},
        )
        repay = MoneyField(
            required=False,
            error_messages={"not_positive": _("More than 0 baht, or leave it empty if the member repaid nothing.")},
        )
        for member in members:
            self.fields[f"{AMOUNT_PREFIX}{member.pk}"] = _labelled(amount, str(member.person))
            for position in self.loans[member.pk]:
                self.fields[f"{REPAY_PREFIX}{position.loan.pk}"] = _labelled(
                    repay, _("Loan repaid by %(name)s") % {"name": member.person}
                )

    def clean_repayment(self, position, amount):
        """A repayment beyond what the loan still owes is refused beside its box."""
        name = f"{REPAY_PREFIX}{position.loan.pk}"
        _principal, interest = position.owed_by(self.month)
        owed = position.outstanding + interest + position.fines_owed
        if amount is not None and amount > owed:
            self.add_error(
                name,
                _("The loan owes only %(amount)s baht, its interest to this month and its fines included.")
                % {"amount": format_baht(owed)},
            )

    def field_error_count(self):
        return sum(1 for name in self.errors if name != NON_FIELD_ERRORS)

    def member_rows(self):
        """(member, their amount box: `box`), in the order of the sheet."""
        return [(member, self.box(f"{AMOUNT_PREFIX}{member.pk}")) for member in self.members]

    def box(self, name):
        """What the sheet writes for the box `name`, as its bound field gives it: `id`,
        `html_name`, `value` (what was sent, or the amount filled in, as Django writes a number
        into a form) and `errors`. Worked out here rather than by a bound field for each of fifty
        boxes, which cost a tenth of the sheet's CPU (issue 16); the sheet's form has no prefix
        and Django's own ids (auto_id "id_%s")."""
        if self.is_bound:
            value = self.fields[name].bound_data(self.data.get(name), None)
            errors = self.errors.get(name) or []
        else:
            value = self.initial.get(name)
            value, errors = (None if value is None else self.typed(value)), []
        return {"id": self.auto_id % name, "html_name": name, "value": "" if value is None else value, "errors": errors}

    def typed(self, value: Decimal) -> str:
        """An amount as Django writes it into a box (localize), each different amount worked out
        once a sheet: a sheet's boxes hold a few commitments, and localize costs a tenth of its
        rows' time."""
        key = str(value)
        if key not in self._typed:
            self._typed[key] = localize(value)
        return self._typed[key]

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
        listed_loans = {f"{REPAY_PREFIX}{p.loan.pk}" for positions in self.loans.values() for p in positions}
        if any(key.startswith(REPAY_PREFIX) and key not in listed_loans for key in self.data):
            raise forms.ValidationError(
                _("The sheet holds a repayment of a loan that is not on it. Nothing was saved; reload the sheet."),
                code="stranger_loan",
            )
        for positions in self.loans.values():
            for position in positions:
                self.clean_repayment(position, cleaned.get(f"{REPAY_PREFIX}{position.loan.pk}"))
        if not self.errors and not self.amounts() and not self.repayments():
            raise forms.ValidationError(_("No amounts entered: enter at least one member's deposit."), code="empty")
        return cleaned

    def loan_rows(self, member):
        """(position, its repayment box: `box`) of each of the member's loans on the sheet."""
        return [(position, self.box(f"{REPAY_PREFIX}{position.loan.pk}")) for position in self.loans[member.pk]]

    def repayments(self):
        """{loan id: amount repaid} of the boxes filled in."""
        return {
            p.loan.pk: self.cleaned_data[f"{REPAY_PREFIX}{p.loan.pk}"]
            for positions in self.loans.values()
            for p in positions
            if self.cleaned_data.get(f"{REPAY_PREFIX}{p.loan.pk}")
        }

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


# Membership at the meeting.


def _from_this_month(month):
    """A term changes from this month on: the months already over keep theirs."""
    this_month = month_start(timezone.localdate())
    if month and month < this_month:
        raise forms.ValidationError(
            _("From %(month)s on at the earliest: months already over keep the commitment they had.")
            % {"month": be_month(this_month)},
            code="past_month",
        )
    return month


def _in_this_month(day, member=None):
    """A member leaves (or moves) on a day of this month, not before their joining."""
    first = month_start(timezone.localdate())
    if day and day < first:
        raise forms.ValidationError(
            _(
                "From %(date)s on at the earliest: leaving on a day of a month already over would change "
                "what the member owed then."
            )
            % {"date": be_date(first)},
            code="past_month",
        )
    if day and member is not None and day < member.joined_on:
        raise forms.ValidationError(_("A member cannot leave before joining."), code="before_joining")
    return day


def _this_month_start():
    return month_start(timezone.localdate())


def _next_month():
    return add_months(_this_month_start(), 1)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class MemberJoinForm(forms.Form):
    """A new member: someone found in the records of the group's community, or a new person (name,
    phone if they have one); their number (the next free one is proposed), their commitment (the
    group's usual one is proposed) and the month it starts."""

    person = PersonChoiceField(
        label=_("Already in the records"),
        queryset=None,  # the group's community: set by __init__
        required=False,
        empty_label=None,
        widget=forms.RadioSelect,
    )
    title = forms.ChoiceField(label=_("Title"), choices=[("", "—"), *Person.Title.choices], required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone (if any)"), max_length=30, required=False)
    number = forms.IntegerField(label=_("Member number"), min_value=1, max_value=99999)
    joined_on = BEDateField(label=_("Joined on"), allow_future=False, initial=timezone.localdate)
    first_month = BEMonthField(label=_("First month of the commitment"), initial=_this_month_start)
    commitment = MoneyField(label=_("Monthly commitment (baht)"))

    def __init__(self, *args, group, found, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        field = self.fields["person"]
        field.queryset = selectors.joinable_people(group)
        # Only the people the search found are offered; any of the community's may be posted.
        field.widget.choices = [(person.pk, person.full_name) for person in found]
        self.fields["number"].widget.attrs["inputmode"] = "numeric"

    def clean_first_month(self):
        return _from_this_month(self.cleaned_data.get("first_month"))

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("person")
        typed = any(cleaned.get(name) for name in ("first_name", "last_name", "phone"))
        if person is not None and typed:
            raise forms.ValidationError(
                _("Choose someone from the records or type a new person's name, not both."), code="both"
            )
        if person is None and "person" not in self.errors:
            for name in ("first_name", "last_name"):
                if not cleaned.get(name, "").strip():
                    self.add_error(
                        name,
                        forms.ValidationError(_("Type the new member's name, or choose them above."), code="required"),
                    )
        joined_on, first_month = cleaned.get("joined_on"), cleaned.get("first_month")
        if joined_on and first_month and first_month < month_start(joined_on):
            self.add_error("first_month", _("The first commitment cannot start before the month the member joins."))
        return cleaned

    def new_person(self):
        """The new person's details, or None when someone from the records was chosen."""
        if self.cleaned_data.get("person") is not None:
            return None
        return {name: self.cleaned_data[name].strip() for name in ("title", "first_name", "last_name", "phone")}


class CommitmentChangeForm(forms.Form):
    from_month = BEMonthField(label=_("From month"), initial=_next_month)
    amount = MoneyField(label=_("New monthly commitment (baht)"))

    def clean_from_month(self):
        return _from_this_month(self.cleaned_data.get("from_month"))


class MemberLeaveForm(RequestKeyMixin):
    left_on = BEDateField(label=_("Left on"), allow_future=False, initial=timezone.localdate)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_left_on(self):
        return _in_this_month(self.cleaned_data.get("left_on"), self.member)


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.community})"


class MemberMoveForm(RequestKeyMixin):
    to_group = GroupChoiceField(label=_("To the group"), queryset=None)
    date = BEDateField(label=_("Moves on"), allow_future=False, initial=timezone.localdate)
    number = forms.IntegerField(
        label=_("Member number in the new group"),
        min_value=1,
        max_value=99999,
        required=False,
        help_text=_("Leave it empty for the new group's next free number."),
    )
    commitment = MoneyField(label=_("Monthly commitment in the new group (baht)"))

    def __init__(self, *args, member, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["to_group"].queryset = (
            SavingsGroup.objects.filter(pk__in=[g.pk for g in groups]).select_related("community").order_by("name")
        )
        self.fields["number"].widget.attrs["inputmode"] = "numeric"

    def clean_date(self):
        return _in_this_month(self.cleaned_data.get("date"), self.member)


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Find by name"), max_length=100, required=False)


# The group's rules.


class PercentField(MoneyField):
    """A percent with at most 2 decimals, 0 up to `most`: '12.5', '๑๐', '10%' read as Decimal."""

    default_error_messages = {
        "invalid": _("Enter a percent, e.g. 10 or 12.5."),
        "not_positive": _("The percent cannot be less than 0."),
        "too_large": _("At most %(most)s percent."),
        "satang": _("A percent has at most 2 digits after the point."),
    }

    def __init__(self, *, most=100, **kwargs):
        self.most = Decimal(most)
        super().__init__(allow_zero=True, **kwargs)
        self.error_messages["too_large"] = self.error_messages["too_large"] % {"most": most}

    def to_python(self, value):
        return super().to_python(str(value).strip().removesuffix("%") if value not in self.empty_values else value)

    def validate(self, value):
        super().validate(value)
        if value is not None and value > self.most:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")


class RulesForm(forms.Form):
    from_month = BEMonthField(label=_("In force from the month"), initial=_this_month_start)
    year_ends_in = forms.TypedChoiceField(
        label=_("The group's year ends with the month"),
        choices=[(n, name) for n, name in MONTHS],
        coerce=int,
        initial=12,
        error_messages={"invalid_choice": _("Choose a month from the list.")},
    )
    late_fine = MoneyField(
        label=_("Fine for a late repayment (baht)"),
        allow_zero=True,
        initial=0,
        help_text=_("Charged once for each month a repayment is late; 0 if the group charges none."),
    )
    dividend = PercentField(label=_("Dividend on savings"))
    interest_refund = PercentField(label=_("Refund on interest paid"))
    welfare_fund = PercentField(label=_("Welfare fund"))
    committee = PercentField(label=_("The committee"))
    reserve = PercentField(label=_("Reserve"))
    community = PercentField(label=_("The community"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, help_text=_("E.g. the meeting that agreed them.")
    )

    def clean_from_month(self):
        month = self.cleaned_data.get("from_month")
        this_month = _this_month_start()
        if month and month < this_month:
            raise forms.ValidationError(
                _("From %(month)s on at the earliest: months already over keep the rules they had.")
                % {"month": be_month(this_month)},
                code="past_month",
            )
        return month

    def clean(self):
        cleaned = super().clean()
        shares = [cleaned.get(name) for name in ALLOCATION_FIELDS]
        if all(share is not None for share in shares) and sum(shares) != 100:
            raise forms.ValidationError(
                _("The shares of the profit add up to %(total)s percent; they must add up to 100.")
                % {"total": format_quantity(sum(shares))},
                code="not_100",
            )
        return cleaned


class _KindForm(forms.Form):
    """The terms of one kind of loan or welfare: all of them, or none if the group does not offer it."""

    def __init__(self, *args, purpose, label, **kwargs):
        super().__init__(*args, prefix=purpose, **kwargs)
        self.purpose = purpose
        self.label = label
        for field in self.fields.values():
            field.required = False

    def clean(self):
        cleaned = super().clean()
        missing = [name for name in self.fields if cleaned.get(name) in (None, "")]
        if len(missing) < len(self.fields) and not self.errors:
            for name in missing:
                self.add_error(name, _("Fill this in too, or leave every box of this kind empty."))
        return cleaned

    @property
    def offered(self):
        return bool(self.is_valid() and any(value not in (None, "") for value in self.cleaned_data.values()))


class LoanKindForm(_KindForm):
    monthly_rate = PercentField(label=_("Interest, percent a month"), most=10)
    method = forms.ChoiceField(
        label=_("Interest charged"),
        choices=[("", "—"), *LoanMethod.choices],
        error_messages={"invalid_choice": _("Choose a way from the list.")},
    )
    times_savings = PercentField(
        label=_("Up to times the member's savings"),
        most=100,
        error_messages={
            "invalid": _("Enter a number of times, e.g. 2 or 1.5."),
            "not_positive": _("More than 0 times."),
            "too_large": _("At most %(most)s times."),
            "satang": _("At most 2 digits after the point."),
        },
    )

    def clean_times_savings(self):
        times = self.cleaned_data.get("times_savings")
        if times == 0:
            raise forms.ValidationError(_("More than 0 times."), code="not_positive")
        return times

    ceiling = MoneyField(label=_("At most (baht)"))
    longest_term = forms.IntegerField(label=_("Longest term (months)"), min_value=1, max_value=120)
    guarantors = forms.IntegerField(label=_("Guarantors needed"), min_value=0, max_value=5)


class WelfareKindForm(_KindForm):
    amount = MoneyField(label=_("Amount (baht)"))
    months_of_membership = forms.IntegerField(
        label=_("Months of membership needed"), min_value=0, max_value=600, help_text=_("0: from joining.")
    )


# Loans.


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.person}"


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}. {obj.person}"


class LoanApplicationForm(RequestKeyMixin):
    member = MemberChoiceField(label=_("Borrower"), queryset=None, empty_label="—")
    purpose = forms.ChoiceField(
        label=_("Kind of loan"), error_messages={"invalid_choice": _("Choose a kind of loan from the list.")}
    )
    amount = MoneyField(label=_("Amount (baht)"))
    months = forms.IntegerField(label=_("Repaid over (months)"), min_value=1, max_value=120)
    guarantors = MembersChoiceField(
        label=_("Guarantors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose guarantors from the list.")},
    )
    applied_on = BEDateField(label=_("Applied on"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(label=_("What it is for"), required=False, max_length=300)

    def __init__(self, *args, group, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        members = group.members.filter(left_on__isnull=True).select_related("person").order_by("number")
        self.fields["member"].queryset = members
        self.fields["guarantors"].queryset = members
        self.fields["purpose"].choices = [("", "—"), *((k.purpose, k.get_purpose_display()) for k in kinds)]


class LoanApprovalForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Officer who approves"),
        queryset=None,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose an officer from the list.")},
    )
    approved_on = BEDateField(label=_("Approved on"), allow_future=False, initial=timezone.localdate)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class LoanDisbursementForm(RequestKeyMixin):
    date = BEDateField(label=_("Paid out on"), allow_future=False, initial=timezone.localdate)


class LoanWriteOffForm(RequestKeyMixin):
    date = BEDateField(label=_("Written off on"), allow_future=False, initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why the loan cannot be collected, e.g. the borrower died, and the meeting that agreed."),
    )


class LoanRescheduleForm(forms.Form):
    from_month = BEMonthField(label=_("From month"), initial=_this_month_start)
    months = forms.IntegerField(label=_("Repaid over (months)"), min_value=1, max_value=120)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why the loan is given longer, e.g. the borrower lost their work, and the meeting that agreed."),
    )

    def clean_from_month(self):
        month = self.cleaned_data.get("from_month")
        this_month = _this_month_start()
        if month and month < this_month:
            raise forms.ValidationError(
                _("From %(month)s on at the earliest: months already over keep the schedule they had.")
                % {"month": be_month(this_month)},
                code="past_month",
            )
        return month
