"""Writes for the housing survey, each in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from songkhla_network.models import Person

from .models import STEP_ORDER, Household, Proposal, StatusStep, Step


@transaction.atomic
def household_survey(*, person, household, surveyed_on, user):
    """Record a surveyed household: its head as a person (kept once for every program area: a
    saver already in the records by national ID is reused), the household, and its first step,
    'surveyed'."""
    head = Person.objects.filter(national_id=person["national_id"]).first() if person["national_id"] else None
    if head is None:
        head = Person.objects.create(**person)
    elif Household.objects.filter(head=head).exists():
        raise ValidationError(_("This person already heads a surveyed household."))
    record = Household.objects.create(head=head, surveyed_on=surveyed_on, surveyor=user, **household)
    StatusStep.objects.create(household=record, step=Step.SURVEYED, date=surveyed_on, recorded_by=user)
    return record


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
        raise ValidationError({"step": _("A household only moves forward: it is already at “%(step)s”.") % {"step": latest.get_step_display()}})
    return StatusStep.objects.create(household=household, step=step, date=date, reason=reason.strip(), recorded_by=user)


def likely_duplicates(*, national_id, first_name, last_name, community):
    """Households already surveyed with the same national ID, or the same name in the same
    community."""
    match = Q(head__first_name=first_name, head__last_name=last_name, community=community)
    if national_id:
        match |= Q(head__national_id=national_id)
    return Household.objects.filter(match).select_related("head", "community")


@transaction.atomic
def proposal_create(*, title, date, target_site, user):
    """A proposal that includes every verified household not yet in a proposal; each of them
    takes the step 'in a proposal' on the proposal's date."""
    proposal = Proposal.objects.create(title=title, date=date, target_site=target_site)
    latest = StatusStep.objects.filter(household=OuterRef("pk")).order_by("-date", "-id").values("step")[:1]
    verified = list(Household.objects.annotate(status=Subquery(latest)).filter(status=Step.VERIFIED).select_for_update(of=("self",)))
    proposal.households.set(verified)
    StatusStep.objects.bulk_create(
        StatusStep(household=h, step=Step.PROPOSED, date=max(date, h.surveyed_on), recorded_by=user) for h in verified
    )
    return proposal
