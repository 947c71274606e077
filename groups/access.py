"""Which savings groups a user may read and post to. Every view gets its group, member or ledger
row through here, the enterprise's too."""

import functools

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from songkhla_network import sql
from songkhla_network.models import Community, Person, Role, User

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
    """The group if the user may read it (readable_groups' rule); 404 when it is not theirs to
    know about. Read by one statement written out (songkhla_network.sql): the group, its
    community and whether the user is one of its treasurers, as every savings page starts here."""
    if not user.is_authenticated:
        raise Http404
    rows = sql.fetch(_group_sql(), [user.pk, pk])
    if not rows:
        raise Http404
    group = sql.instances(SavingsGroup, rows)[0]
    SavingsGroup.community.field.set_cached_value(group, sql.instances(Community, rows, sql.width(SavingsGroup))[0])
    is_its_treasurer = bool(rows[0][-1])
    if user.reads_everything:
        return group
    if user.role == Role.TREASURER and is_its_treasurer:  # as readable_groups: treasurer_groups
        setattr(group, _READ_BY_ITS_TREASURER, user.pk)
        return group
    raise Http404


@functools.cache
def _group_sql() -> str:
    through = SavingsGroup.treasurers.through
    group_column = through._meta.get_field("savingsgroup").column
    user_column = through._meta.get_field("user").column
    return f"""
        SELECT {sql.columns(SavingsGroup, "g")}, {sql.columns(Community, "c")},
            EXISTS (SELECT 1 FROM {through._meta.db_table} t WHERE t.{group_column} = g.id AND t.{user_column} = %s)
        FROM {SavingsGroup._meta.db_table} g JOIN {Community._meta.db_table} c ON c.id = g.community_id
        WHERE g.id = %s
    """


def group_for_posting(user: User, pk: int) -> SavingsGroup:
    """The group if the user may post money to it: leaders, and its own treasurers. Staff read
    but never post (403); anyone else does not see the group at all (404)."""
    group = group_for_reading(user, pk)
    if not can_post(user, group):
        raise PermissionDenied
    return group


def member_for_reading(user: User, group_pk: int, member_pk: int) -> tuple[SavingsGroup, Member]:
    """The group and one of its members, if the user may read the group; 404 otherwise."""
    group = group_for_reading(user, group_pk)
    return group, _member_of(group, member_pk)


def _member_of(group: SavingsGroup, member_pk: int) -> Member:
    """One of the group's members with their person (404 for anyone else's), by a statement
    written out (as group_for_reading)."""
    rows = sql.fetch(_member_sql(), [member_pk, group.pk])
    if not rows:
        raise Http404
    member = sql.instances(Member, rows)[0]
    Member.person.field.set_cached_value(member, sql.instances(Person, rows, sql.width(Member))[0])
    Member.group.field.set_cached_value(member, group)
    return member


@functools.cache
def _member_sql() -> str:
    return f"""
        SELECT {sql.columns(Member, "m")}, {sql.columns(Person, "p")}
        FROM {Member._meta.db_table} m JOIN {Person._meta.db_table} p ON p.id = m.person_id
        WHERE m.id = %s AND m.group_id = %s
    """


def member_for_posting(user: User, group_pk: int, member_pk: int) -> tuple[SavingsGroup, Member]:
    group = group_for_posting(user, group_pk)
    return group, _member_of(group, member_pk)


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
