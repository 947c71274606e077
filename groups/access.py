"""Which savings groups a user may read and post to. Every view gets its group, member or ledger
row through here, the enterprise's too."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from songkhla_network.models import Role, User

from .models import LedgerEntry, Member, SavingsGroup


def readable_groups(user: User) -> QuerySet[SavingsGroup]:
    if not user.is_authenticated:
        return SavingsGroup.objects.none()
    if user.reads_everything:
        return SavingsGroup.objects.all()
    if user.role == Role.TREASURER:
        return user.treasurer_groups.all()
    return SavingsGroup.objects.none()


# Set by group_for_reading on a group a treasurer read: the treasurer's user id. A treasurer reads
# only their own groups (readable_groups), so the group is one they are a treasurer of, and
# can_post need not ask the database again on every page.
_READ_BY_ITS_TREASURER = "_read_by_its_treasurer"


def can_post(user: User, group: SavingsGroup) -> bool:
    if user.is_leader:
        return True
    if user.role != Role.TREASURER:
        return False
    return getattr(group, _READ_BY_ITS_TREASURER, None) == user.pk or group.treasurers.filter(pk=user.pk).exists()


def group_for_reading(user: User, pk: int) -> SavingsGroup:
    """The group if the user may read it; 404 when it is not theirs to know about."""
    group = get_object_or_404(readable_groups(user).select_related("community"), pk=pk)
    if not user.reads_everything and user.role == Role.TREASURER:  # read through treasurer_groups
        setattr(group, _READ_BY_ITS_TREASURER, user.pk)
    return group


def group_for_posting(user: User, pk: int) -> SavingsGroup:
    """The group if the user may post money to it: leaders, and its own treasurers. Staff read
    but never post (403); anyone else does not see the group at all (404)."""
    group = group_for_reading(user, pk)
    if not can_post(user, group):
        raise PermissionDenied
    return group


def member_for_reading(user: User, group_pk: int, member_pk: int) -> tuple[SavingsGroup, Member]:
    group = group_for_reading(user, group_pk)
    member = get_object_or_404(Member.objects.select_related("person", "group"), pk=member_pk, group=group)
    return group, member


def member_for_posting(user: User, group_pk: int, member_pk: int) -> tuple[SavingsGroup, Member]:
    group = group_for_posting(user, group_pk)
    member = get_object_or_404(Member.objects.select_related("person", "group"), pk=member_pk, group=group)
    return group, member


def any_member_for_posting(user: User, member_pk: int) -> Member:
    """A member named by their id alone (the enterprise's payment page), if the user may post to
    their group: 404 or 403 as group_for_posting says."""
    member = get_object_or_404(Member.objects.select_related("person", "group"), pk=member_pk)
    group_for_posting(user, member.group_id)
    return member


def entry_for_posting(user: User, group_pk: int, entry_pk: int) -> tuple[SavingsGroup, LedgerEntry]:
    group = group_for_posting(user, group_pk)
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("member__person", "reverses"), pk=entry_pk, group=group
    )
    return group, entry
