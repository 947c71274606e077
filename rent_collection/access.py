"""Who may read and write rent records. Leaders do everything; staff read everything; a
collector reads the tenancies of the communities their letters name (valid or not: they answer
for what they collected there) and only their own receipts and remittances. Treasurers have no
part in rent. Every view gets its objects through here."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from songkhla_network.models import Community, Role

from .models import Receipt, Remittance, Tenancy

READERS = (Role.STAFF, Role.COLLECTOR)  # leaders always pass role_required


def readable_communities(user):
    if user.reads_everything:
        return Community.objects.all()
    if user.role == Role.COLLECTOR:
        return Community.objects.filter(letter_assignments__collector=user).distinct()
    return Community.objects.none()


def readable_tenancies(user):
    tenancies = Tenancy.objects.select_related("tenant", "community")
    if user.reads_everything:
        return tenancies
    return tenancies.filter(community__in=readable_communities(user))


def readable_receipts(user):
    receipts = Receipt.objects.all()
    if user.reads_everything:
        return receipts
    return receipts.filter(collector=user) if user.role == Role.COLLECTOR else receipts.none()


def readable_remittances(user):
    remittances = Remittance.objects.select_related("collector")
    if user.reads_everything:
        return remittances
    return remittances.filter(collector=user) if user.role == Role.COLLECTOR else remittances.none()


def tenancy_for_reading(user, pk):
    """The tenancy if the user may read it; 404 when it is not theirs to know about."""
    return get_object_or_404(readable_tenancies(user), pk=pk)


def can_collect(user):
    """Who may try to record a collection at all; whether a letter covers the day and the
    community is the service's to say, with its reason."""
    return user.role in (Role.COLLECTOR, Role.LEADER)


def receipt_for_reading(user, pk):
    from .selectors import receipts

    return get_object_or_404(receipts().filter(pk__in=readable_receipts(user).values("pk")), pk=pk)


def receipt_for_voiding(user, pk):
    """A receipt may be voided by the collector who wrote it, or by a leader; staff read only."""
    receipt = receipt_for_reading(user, pk)
    if not (user.is_leader or receipt.collector_id == user.pk):
        raise PermissionDenied
    return receipt


def remittance_for_reading(user, pk):
    return get_object_or_404(readable_remittances(user), pk=pk)
