"""Who may read and write rent records. Which pages a role opens at all is said by the views'
decorators (`songkhla_network.roles`: rent readers, collectors, staff); which records a user then
sees is decided here. Leaders do everything; staff read everything; a collector reads the
tenancies of the communities their letters name (valid or not: they answer for what they
collected there), every CODI letter (a tenant may ask any collector to show theirs), and only
their own receipts and remittances. Treasurers have no part in rent. Every view gets its objects
through here: a record that is not the user's to know about is a 404, one they may read but not
change a 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from songkhla_network.models import Community, Role, User

from . import selectors
from .models import CodiLetter, Receipt, Remittance, Tenancy


def readable_communities(user: User) -> QuerySet[Community]:
    """The communities whose tenancies the user may read, by name."""
    if user.reads_everything:
        communities = Community.objects.all()
    elif user.role == Role.COLLECTOR:
        communities = Community.objects.filter(letter_assignments__collector=user).distinct()
    else:
        communities = Community.objects.none()
    return communities.order_by("name")


def readable_tenancies(user: User) -> QuerySet[Tenancy]:
    tenancies = Tenancy.objects.select_related("tenant", "community")
    if user.reads_everything:
        return tenancies
    return tenancies.filter(community__in=readable_communities(user))


def readable_receipts(user: User) -> QuerySet[Receipt]:
    receipts = Receipt.objects.all()
    if user.reads_everything:
        return receipts
    return receipts.filter(collector=user) if user.role == Role.COLLECTOR else receipts.none()


def readable_remittances(user: User) -> QuerySet[Remittance]:
    remittances = Remittance.objects.select_related("collector")
    if user.reads_everything:
        return remittances
    return remittances.filter(collector=user) if user.role == Role.COLLECTOR else remittances.none()


def readable_letters(user: User) -> QuerySet[CodiLetter]:
    letters = CodiLetter.objects.all()
    return letters if user.reads_everything or user.role == Role.COLLECTOR else letters.none()


def tenancy_for_reading(user: User, pk: int) -> Tenancy:
    """The tenancy if the user may read it; 404 when it is not theirs to know about."""
    return get_object_or_404(readable_tenancies(user), pk=pk)


def can_change_tenancy(user: User) -> bool:
    """Who changes a tenancy's rent from a month and records its end: the network's leaders."""
    return user.is_leader


def tenancy_for_changing(user: User, pk: int) -> Tenancy:
    """The tenancy if the user may change its rent or record its end: 404 when it is not theirs to
    know about, 403 when they may only read it."""
    tenancy = tenancy_for_reading(user, pk)
    if not can_change_tenancy(user):
        raise PermissionDenied
    return tenancy


def can_collect(user: User) -> bool:
    """Who may try to record a collection at all; whether a letter covers the day and the
    community is the service's to say, with its reason."""
    return user.role in (Role.COLLECTOR, Role.LEADER)


def receipt_for_reading(user: User, pk: int) -> Receipt:
    """The receipt, with what a printed receipt shows loaded, if the user may read it; 404 when
    not."""
    return get_object_or_404(selectors.receipts(within=readable_receipts(user)), pk=pk)


def can_void(user: User, receipt: Receipt) -> bool:
    """A receipt may be voided by the collector who wrote it, or by a leader; staff read only."""
    return user.is_leader or receipt.collector_id == user.pk


def receipt_for_voiding(user: User, pk: int) -> Receipt:
    """The receipt if the user may void it: 404 when it is not theirs to know about, 403 when they
    may only read it."""
    receipt = receipt_for_reading(user, pk)
    if not can_void(user, receipt):
        raise PermissionDenied
    return receipt


def remittance_for_reading(user: User, pk: int) -> Remittance:
    return get_object_or_404(readable_remittances(user), pk=pk)
