"""Writes for the housing survey, each in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils.translation import gettext as _

from songkhla_network.models import ConsentMethod, Person, PersonalDataConsent, Purpose

from .models import STEP_ORDER, Household, Proposal, StatusStep, Step
from .selectors import latest_steps


@transaction.atomic
def household_survey(*, person, household, surveyed_on, consent, user):
    """Record a surveyed household: its head as a person (kept once for every program area: a
    saver already in the records by national ID is reused), the household, its first step,
    'surveyed', and the head's consent to the housing purpose (`consent`: given_on, how, witness).
    Nothing is saved without that consent (PDPA)."""
    if not consent:
        raise ValidationError(_("Without the head of household's consent the survey cannot be saved."))
    head = Person.objects.filter(national_id=person["national_id"]).first() if person["national_id"] else None
    if head is None:
        head = Person.objects.create(**person)
    elif Household.objects.filter(head=head).exists():
        raise ValidationError(_("This person already heads a surveyed household."))
    record = Household.objects.create(head=head, surveyed_on=surveyed_on, surveyor=user, **household)
    StatusStep.objects.create(household=record, step=Step.SURVEYED, date=surveyed_on, recorded_by=user)
    PersonalDataConsent.objects.create(**consent_values(consent, person=head, user=user))
    return record


def consent_values(consent, *, person, user):
    """The fields of the head's consent record to the housing purpose, checked without a query."""
    record = PersonalDataConsent(person=person, purpose=Purpose.HOUSING, given=True, recorded_by=user, **consent)
    try:
        record.clean_fields(exclude=["person", "recorded_by"])
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    if record.how == ConsentMethod.VERBAL and not record.witness.strip():
        raise ValidationError(_("Consent given by word of mouth needs the name of a witness."))
    return {"person": person, "purpose": Purpose.HOUSING, "given": True, "recorded_by": user, **consent}


@transaction.atomic
def step_add(*, household, step, date, reason, user):
    """Move a household one or more steps forward (surveyed → verified → in a proposal → approved →
    moved), or withdraw it with a reason. Never backwards, never after it moved or withdrew."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    steps = list(household.steps.order_by("date", "id"))
    latest = steps[-1] if steps else None
    if latest and latest.step in (Step.MOVED, Step.WITHDRAWN):
        raise ValidationError({"step": _("This household has already moved or withdrawn.")})
    if latest and date < latest.date:
        raise ValidationError({"date": _("The date is before the household's last step.")})
    if step == Step.WITHDRAWN:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the household withdrew.")})
    elif latest and STEP_ORDER.index(step) <= STEP_ORDER.index(latest.step):
        raise ValidationError(
            {
                "step": _("A household only moves forward: it is already at “%(step)s”.")
                % {"step": latest.get_step_display()}
            }
        )
    return StatusStep.objects.create(household=household, step=step, date=date, reason=reason.strip(), recorded_by=user)


def likely_duplicates(*, national_id, first_name, last_name, community):
    """Households already surveyed with the same national ID, or the same name in the same
    community."""
    match = Q(head__first_name=first_name, head__last_name=last_name, community=community)
    if national_id:
        match |= Q(head__national_id=national_id)
    return Household.objects.filter(match).select_related("head", "community")


def verified_households():
    """Households verified and not yet in a proposal: the ones a proposal can take in."""
    return Household.objects.annotate(status=Subquery(latest_steps().values("step")[:1])).filter(status=Step.VERIFIED)


@transaction.atomic
def proposal_create(*, title, date, target_site, background="", households=None, user):
    """A proposal with the verified households chosen (every verified household when none are
    chosen); each of them takes the step 'in a proposal' on the proposal's date."""
    proposal = Proposal.objects.create(title=title, date=date, target_site=target_site, background=background)
    proposal_add(proposal=proposal, households=households, user=user)
    return proposal


@transaction.atomic
def proposal_add(*, proposal, households=None, user):
    """Take verified households into the proposal (all of them when `households` is None). Under
    row locks, so a household goes into one proposal only, even when two leaders add it at once."""
    chosen = verified_households().select_for_update(of=("self",))
    if households is not None:
        wanted = {h.pk for h in households}
        chosen = [h for h in chosen.filter(pk__in=wanted)]
        if len(chosen) != len(wanted):
            raise ValidationError(
                {"households": _("Some of these households are no longer verified and waiting: reload the page.")}
            )
    chosen = list(chosen)
    proposal.households.add(*chosen)
    StatusStep.objects.bulk_create(
        StatusStep(household=h, step=Step.PROPOSED, date=max(proposal.date, h.surveyed_on), recorded_by=user)
        for h in chosen
    )
    return chosen


@transaction.atomic
def proposal_remove(*, proposal, household, user):
    """Take a household out of a proposal it was put in by mistake: it goes back to 'verified'.
    Refused once CODI approved it or it moved on. The removed step stays in the history."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    latest = household.steps.order_by("-date", "-id").first()
    if not proposal.households.filter(pk=household.pk).exists():
        raise ValidationError(_("This household is not in the proposal."))
    if latest is None or latest.step != Step.PROPOSED:
        raise ValidationError(
            _("This household has moved past the proposal (%(step)s); it cannot be taken out.")
            % {"step": latest.get_step_display() if latest else ""}
        )
    proposal.households.remove(household)
    latest.delete()
