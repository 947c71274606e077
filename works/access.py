"""Who may see and add to a community's works. Leaders and staff see every community; a treasurer
sees (and adds to) the communities of their own groups; collectors have no part here. Leaders
record contests, enter works and record results. Photos and documents are served through the
app to the same people only. Every works view gets its community, work, photo, contest or
document through here."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from groups.access import readable_groups
from songkhla_network.models import Community, Role

from .models import Contest, ContestDocument, Photo, Work


def visible_communities(user):
    if not user.is_authenticated:
        return Community.objects.none()
    if user.reads_everything:
        return Community.objects.all()
    if user.role == Role.TREASURER:
        return Community.objects.filter(pk__in=readable_groups(user).values("community"))
    return Community.objects.none()


def can_edit(user, community):
    """Leaders everywhere; a treasurer in their own groups' communities; staff read only."""
    if user.is_leader:
        return True
    return user.role == Role.TREASURER and visible_communities(user).filter(pk=community.pk).exists()


def can_add_works(user):
    """Whether the user adds works at all: leaders, and treasurers (whose visible communities are
    all their own)."""
    return user.is_leader or user.role == Role.TREASURER


def community_for_reading(user, pk):
    return get_object_or_404(visible_communities(user), pk=pk)


def community_for_editing(user, pk):
    community = community_for_reading(user, pk)
    if not can_edit(user, community):
        raise PermissionDenied
    return community


def work_for_reading(user, pk):
    return get_object_or_404(
        Work.objects.select_related("community").filter(community__in=visible_communities(user)), pk=pk
    )


def work_for_editing(user, pk):
    work = work_for_reading(user, pk)
    if not can_edit(user, work.community):
        raise PermissionDenied
    return work


def photo_for_reading(user, pk):
    return get_object_or_404(Photo.objects.filter(work__community__in=visible_communities(user)), pk=pk)


def contests_visible(user):
    """Contests with a work of a community the user may see (all of them for leaders and staff)."""
    if user.reads_everything:
        return Contest.objects.all()
    return Contest.objects.filter(entries__work__community__in=visible_communities(user)).distinct()


def contest_for_reading(user, pk):
    return get_object_or_404(contests_visible(user), pk=pk)


def contest_for_editing(user, pk):
    """A contest to enter works in, record results and add documents to: leaders only."""
    if not user.is_leader:
        raise PermissionDenied
    return get_object_or_404(Contest, pk=pk)


def works_for_contests(user):
    """The works a leader may enter in a contest or record a result for: every work."""
    if not user.is_leader:
        return Work.objects.none()
    return Work.objects.select_related("community")


def document_for_reading(user, pk):
    return get_object_or_404(ContestDocument.objects.filter(contest__in=contests_visible(user)), pk=pk)
