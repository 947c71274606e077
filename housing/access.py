"""Who may see and change what of the housing survey. Leaders survey, import, move households on
and draft proposals; staff read everything; a treasurer sees the households of their own groups'
communities, without income, ID numbers or phone numbers; collectors have no part here. Every
view gets its household, proposal or budget line through here."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from groups.access import readable_groups
from songkhla_network.models import Role

from .models import BudgetLine, Household, Proposal


def visible_households(user):
    """The households the user may see: every one for leaders and staff, those of their groups'
    communities for a treasurer, none for anyone else."""
    households = Household.objects.select_related("head", "community")
    if not user.is_authenticated:
        return households.none()
    if user.reads_everything:
        return households
    if user.role == Role.TREASURER:
        return households.filter(community__in=readable_groups(user).values("community"))
    return households.none()


def sees_personal_data(user):
    """Income, ID numbers and phone numbers: for leaders and staff only."""
    return user.reads_everything


def household_for_reading(user, pk):
    """The household if the user may see it; 404 when it is not theirs to know about."""
    return get_object_or_404(visible_households(user).select_related("member__group", "surveyor"), pk=pk)


def household_for_posting(user, pk):
    """The household if the user may record its steps or take it into a proposal: leaders only."""
    household = household_for_reading(user, pk)
    if not user.is_leader:
        raise PermissionDenied
    return household


def proposal_for_reading(user, pk):
    """A proposal to CODI, for leaders and staff."""
    if not user.reads_everything:
        raise PermissionDenied
    return get_object_or_404(Proposal, pk=pk)


def proposal_for_editing(user, pk):
    """A proposal to draft further (households, budget): leaders only."""
    proposal = proposal_for_reading(user, pk)
    if not user.is_leader:
        raise PermissionDenied
    return proposal


def proposal_household_for_editing(user, proposal_pk, household_pk):
    """A proposal and one of its households, to take it out again: leaders only; 404 when the
    household is not in the proposal."""
    proposal = proposal_for_editing(user, proposal_pk)
    household = get_object_or_404(proposal.households.select_related("head", "community"), pk=household_pk)
    return proposal, household


def budget_line_for_editing(user, proposal_pk, line_pk):
    proposal = proposal_for_editing(user, proposal_pk)
    return proposal, get_object_or_404(BudgetLine, pk=line_pk, proposal=proposal)
