"""Writes for the housing survey and the proposal to CODI, each in one transaction."""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from songkhla_network.models import ConsentMethod, Person, PersonalDataConsent, Purpose, User

from .models import STEP_ORDER, BudgetLine, Household, Proposal, StatusStep, Step
from .selectors import verified_households


@dataclass(frozen=True)
class Survey:
    """One household as surveyed, on the form or in a row of the imported spreadsheet.

    `person`: the head of household's fields (title, first_name, last_name, phone, national_id,
    community, address), or a person already in the records (the demo's savers, who have no ID
    number to be found by); `household`: the household's own fields (community, address, the
    people in it, tenure, money, member, reason, preferred_area); `consent`: the head's consent
    to the housing purpose (given_on, how, witness)."""

    person: Mapping[str, Any] | Person
    household: Mapping[str, Any]
    surveyed_on: datetime.date
    consent: Mapping[str, Any] | None


@transaction.atomic
def households_survey(*, surveys: Sequence[Survey], user: User) -> list[Household]:
    """Record surveyed households, all or none: the one way a household comes into the records,
    whether typed on the survey form or imported from a spreadsheet. For each: its head as a
    person, kept once for every program area (a person already in the records by national ID, a
    saver for instance, is reused; nobody heads two households), the household, its first step
    'surveyed' and the head's consent to the housing purpose; every row with its history, recorded
    as made by `user`. Nothing is saved without that consent (PDPA). A fixed number of queries,
    whatever the number of households."""
    consents = [consent_values(survey.consent, person=None, user=user) for survey in surveys]
    ids = [s.person["national_id"] for s in surveys if not isinstance(s.person, Person) and s.person["national_id"]]
    known = {p.national_id: p for p in Person.objects.filter(national_id__in=ids)} if ids else {}
    chosen = [s.person for s in surveys if isinstance(s.person, Person)]
    heads_already = [*known.values(), *chosen]
    if (
        len(set(ids)) != len(ids)
        or len({p.pk for p in chosen}) != len(chosen)
        or (heads_already and Household.objects.filter(head__in=heads_already).exists())
    ):
        raise ValidationError(_("This person already heads a surveyed household."))
    new_people = [
        Person(**s.person) for s in surveys if not isinstance(s.person, Person) and s.person["national_id"] not in known
    ]
    bulk_create_with_history(new_people, Person, default_user=user)
    created = iter(new_people)
    households = []
    for survey in surveys:
        if isinstance(survey.person, Person):
            head = survey.person
        else:
            head = known.get(survey.person["national_id"]) or next(created)
        households.append(Household(head=head, surveyed_on=survey.surveyed_on, surveyor=user, **survey.household))
    bulk_create_with_history(households, Household, default_user=user)
    bulk_create_with_history(
        [StatusStep(household=h, step=Step.SURVEYED, date=h.surveyed_on, recorded_by=user) for h in households],
        StatusStep,
        default_user=user,
    )
    PersonalDataConsent.objects.bulk_create(
        PersonalDataConsent(**{**consent, "person": h.head}) for h, consent in zip(households, consents, strict=True)
    )
    return households


def household_survey(
    *,
    person: Mapping[str, Any] | Person,
    household: Mapping[str, Any],
    surveyed_on: datetime.date,
    consent: Mapping[str, Any] | None,
    user: User,
) -> Household:
    """Record one surveyed household (see `households_survey`, which it goes through)."""
    survey = Survey(person=person, household=household, surveyed_on=surveyed_on, consent=consent)
    return households_survey(surveys=[survey], user=user)[0]


def consent_values(consent: Mapping[str, Any] | None, *, person: Person | None, user: User) -> dict[str, Any]:
    """The fields of the head's consent record to the housing purpose, checked without a query.
    Refused without consent, or with a consent given by word of mouth and no witness."""
    if not consent:
        raise ValidationError(_("Without the head of household's consent the survey cannot be saved."))
    record = PersonalDataConsent(person=person, purpose=Purpose.HOUSING, given=True, recorded_by=user, **consent)
    try:
        record.clean_fields(exclude=["person", "recorded_by"])
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    if record.how == ConsentMethod.VERBAL and not record.witness.strip():
        raise ValidationError(_("Consent given by word of mouth needs the name of a witness."))
    return {"person": person, "purpose": Purpose.HOUSING, "given": True, "recorded_by": user, **consent}


@transaction.atomic
def step_add(*, household: Household, step: str, date: datetime.date, reason: str, user: User) -> StatusStep:
    """Move a household one or more steps forward (surveyed → verified → approved → moved), or
    withdraw it with a reason. Never backwards, never after it moved or withdrew; never into a
    proposal, which takes its households on its own page (`proposal_add`)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    latest = household.steps.order_by("-date", "-id").first()
    if step == Step.PROPOSED:
        raise ValidationError({"step": _("A household goes into a proposal on the proposal's page.")})
    if latest and latest.step in (Step.MOVED, Step.WITHDRAWN):
        raise ValidationError({"step": _("This household has already moved or withdrawn.")})
    if latest and date < latest.date:
        raise ValidationError({"date": _("The date is before the household's last step.")})
    if step == Step.WITHDRAWN:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the household withdrew.")})
    elif latest and STEP_ORDER.index(Step(step)) <= STEP_ORDER.index(Step(latest.step)):
        raise ValidationError(
            {
                "step": _("A household only moves forward: it is already at “%(step)s”.")
                % {"step": latest.get_step_display()}
            }
        )
    return StatusStep.objects.create(household=household, step=step, date=date, reason=reason.strip(), recorded_by=user)


@transaction.atomic
def proposal_create(
    *,
    title: str,
    date: datetime.date,
    target_site: str,
    background: str = "",
    households: Iterable[Household] | None = None,
    user: User,
) -> Proposal:
    """A proposal with the verified households chosen (every verified household when none are
    chosen); each of them takes the step 'in a proposal' on the proposal's date."""
    proposal = Proposal.objects.create(title=title, date=date, target_site=target_site, background=background)
    proposal_add(proposal=proposal, households=households, date=date, user=user)
    return proposal


@transaction.atomic
def proposal_add(
    *,
    proposal: Proposal,
    households: Iterable[Household] | None = None,
    date: datetime.date | None = None,
    user: User,
) -> list[Household]:
    """Take verified households into the proposal (all of them when `households` is None), each by
    a step "in a proposal" naming it, dated `date`: by default the day they are added, so that a
    closed period's figures stay as they were. Never before the proposal's date, nor before the
    household's last step (steps never go back in time). Under row locks, so a household goes into
    one proposal only, even when two leaders add it at once."""
    date = max(date or timezone.localdate(), proposal.date)
    waiting = verified_households().select_for_update(of=("self",))
    if households is None:
        chosen = list(waiting)
    else:
        wanted = {h.pk for h in households}
        chosen = list(waiting.filter(pk__in=wanted))
        if len(chosen) != len(wanted):
            raise ValidationError(
                {"households": _("Some of these households are no longer verified and waiting: reload the page.")}
            )
    proposal.households.add(*chosen)
    StatusStep.objects.bulk_create(
        StatusStep(
            household=h,
            step=Step.PROPOSED,
            date=max(date, h.status_date),  # type: ignore[attr-defined]
            proposal=proposal,
            recorded_by=user,
        )
        for h in chosen
    )
    return chosen


@transaction.atomic
def proposal_remove(
    *, proposal: Proposal, household: Household, date: datetime.date, reason: str, user: User
) -> StatusStep:
    """Take a household out of a proposal, on `date` and saying why: its step "in a proposal" stays
    in its history, and a new step takes it back (pointing to it, with the reason), to where the
    household stood before — verified, ready for the next proposal. Refused once CODI approved it
    or it moved on, without a reason, or dated before the step it takes back."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not proposal.households.filter(pk=household.pk).exists():
        raise ValidationError(_("This household is not in the proposal."))
    recent = list(household.steps.order_by("-date", "-id")[:2])
    latest = recent[0] if recent else None
    if latest is None or latest.step != Step.PROPOSED or latest.proposal_id != proposal.pk:
        raise ValidationError(
            _("This household has moved past the proposal (%(step)s); it cannot be taken out.")
            % {"step": latest.get_step_display() if latest else ""}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the household is taken out of the proposal.")})
    if date < latest.date:
        raise ValidationError({"date": _("The date is before the household's last step.")})
    proposal.households.remove(household)
    return StatusStep.objects.create(
        household=household,
        step=recent[1].step if len(recent) > 1 else Step.VERIFIED,
        date=date,
        reason=reason.strip(),
        proposal=proposal,
        takes_back=latest,
        recorded_by=user,
    )


@transaction.atomic
def budget_line_add(*, proposal: Proposal, item: str, amount: Decimal) -> BudgetLine:
    """A line of the proposal's budget; the database refuses an amount of 0 or less."""
    return BudgetLine.objects.create(proposal=proposal, item=item, amount=amount)


@transaction.atomic
def budget_line_remove(*, line: BudgetLine) -> None:
    """Take a line out of the proposal's budget; its history keeps what it said."""
    line.delete()
