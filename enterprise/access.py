"""Who may read and post what in the enterprise. Every view gets its round, order sheet, member,
allocation, cash row or donation through here.

The enterprise's books (cash book, donations, the levy, stock, production, the statement) are
kept by leaders and read by staff: the views' role decorators say who opens which page, and
every row of the books is known to all who may open them. Buying rounds are read by treasurers
too; a treasurer enters orders and takes payments only for the members of their own groups
(groups.access says whose groups are whose). As everywhere: 404 when an object is not the user's
to know about, 403 when it is but their role may not do this to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from groups import access as group_access
from songkhla_network.models import Role, User

from .models import Allocation, Batch, BatchReversal, BuyingRound, CashEntry, Donation, DonationReversal

if TYPE_CHECKING:
    # The savings groups' models, as groups.selectors and groups.access hand them out.
    from groups.selectors import Member, SavingsGroup


def keeps_the_books(user: User) -> bool:
    """Leaders post to the enterprise's books; staff only read them."""
    return user.is_leader


def _leaders_only(user: User) -> None:
    if not keeps_the_books(user):
        raise PermissionDenied


def cash_entry_for_reversing(user: User, pk: int) -> CashEntry:
    _leaders_only(user)
    return get_object_or_404(CashEntry, pk=pk)


def donation_for_reading(user: User, pk: int) -> Donation:
    """A donation with its reversal, if it was reversed."""
    return get_object_or_404(Donation.objects.select_related("posted_by", "reversal__posted_by"), pk=pk)


def may_reverse_donation(user: User, donation: Donation) -> bool:
    return keeps_the_books(user) and not DonationReversal.objects.filter(donation=donation).exists()


def donation_for_reversing(user: User, pk: int) -> Donation:
    """A donation for a leader to reverse; one already reversed is no longer there to reverse (404)."""
    _leaders_only(user)
    return get_object_or_404(Donation, pk=pk, reversal__isnull=True)


# Production.


def batch_for_reading(user: User, pk: int) -> Batch:
    """A batch with its liquid, who made it and its reversal, if it was reversed."""
    return get_object_or_404(
        Batch.objects.select_related("recipe", "posted_by", "reversal__posted_by").prefetch_related("makers__person"),
        pk=pk,
    )


def may_reverse_batch(user: User, batch: Batch) -> bool:
    return keeps_the_books(user) and not BatchReversal.objects.filter(batch=batch).exists()


# Buying rounds.


def round_for_reading(user: User, pk: int, *, closed: bool = False, received: bool = False) -> BuyingRound:
    """A round any reader of rounds may see; 404 when it is not yet closed (`closed`) or its
    goods not yet received (`received`), as the page asked for needs."""
    rounds = BuyingRound.objects.select_related("closed_by")
    if closed:
        rounds = rounds.filter(closed_at__isnull=False)
    if received:
        rounds = rounds.filter(received_at__isnull=False)
    return get_object_or_404(rounds, pk=pk)


def can_close(user: User, buying_round: BuyingRound) -> bool:
    return keeps_the_books(user) and buying_round.closed_at is None


def round_for_receiving(user: User, pk: int) -> BuyingRound:
    """A closed round whose goods have not arrived yet, for a leader to receive."""
    _leaders_only(user)
    return get_object_or_404(BuyingRound, pk=pk, closed_at__isnull=False, received_at__isnull=True)


def groups_for_reading(user: User) -> QuerySet[SavingsGroup]:
    """The groups whose orders and bills in a round the user sees: every group for leaders and
    staff, a treasurer's own groups."""
    return group_access.readable_groups(user)


def bill_groups(user: User) -> QuerySet[SavingsGroup] | None:
    """The groups whose members' bills the pick-up list shows the user; None: every group."""
    return None if user.reads_everything else groups_for_reading(user)


def takes_payments(user: User) -> bool:
    """Leaders, and treasurers for the members of their groups (the pick-up list shows them no
    other), record what members pay; staff only read."""
    return user.is_leader or user.role == Role.TREASURER


def order_sheet_for_posting(user: User, round_pk: int, group_pk: int) -> tuple[BuyingRound, SavingsGroup]:
    """A round and a group the user may enter orders for: its treasurers and leaders."""
    buying_round = get_object_or_404(BuyingRound, pk=round_pk)
    return buying_round, group_access.group_for_posting(user, group_pk)


def payment_for_posting(user: User, round_pk: int, member_pk: int) -> tuple[BuyingRound, Member]:
    """A received round and a member whose payment the user may record: a member of a group they
    may post to."""
    buying_round = round_for_reading(user, round_pk, received=True)
    return buying_round, group_access.any_member_for_posting(user, member_pk)


def allocation_for_changing(user: User, pk: int) -> Allocation:
    """A member's share of a round, for a leader to change."""
    _leaders_only(user)
    return get_object_or_404(
        Allocation.objects.select_related("order__item__product", "order__item__round", "order__member__person"), pk=pk
    )
