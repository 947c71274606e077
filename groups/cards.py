"""Members' cards: a member reads their own figures by scanning the QR on their card, without a
login (models.MemberCard). The QR carries a long random token; only its SHA-256 is stored, so a
copy of the database opens no page. The treasurer prints a group's cards once, as they are issued
(a token is never shown again); a lost card is replaced by a new one, which ends the old at once.
A member who left reads their history for a year after the day they left.

The card's page is rate-limited by the address it is asked from (`throttled`), and every opening
is a line of the personal-data access log, with no user: the member themself."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ipware import get_client_ip

from songkhla_network.models import Access, PersonalDataAccess, User
from songkhla_network.thai import add_months, month_start

from . import selectors
from .models import CardRequest, Loan, LoanEntry, LoanEntryKind, Member, MemberCard, SavingsGroup

# 32 random bytes: 43 characters in the URL, never guessed.
TOKEN_BYTES = 32
# How long a member who left reads their history: a year after the day they left.
READ_AFTER_LEAVING = datetime.timedelta(days=365)
# The page's rate limit, per address: wrong tokens, and all requests, in a minute.
WRONG_PER_MINUTE = 20
REQUESTS_PER_MINUTE = 60
# The months the page lists, paid or owed: this month and the eleven before it.
MONTHS_SHOWN = 12


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Writes.


@transaction.atomic
def cards_issue(
    *, group: SavingsGroup, members: list[Member], user: User, request_key: UUID
) -> list[tuple[Member, str]]:
    """A new card for each of `members` (the group's current members), each with a new token; a
    member's card in use ends at the same moment, so a lost card stops working at once. Returns
    each member with their token, which exists only in this answer: print it now. The same form
    sent twice issues nothing the second time (its request key), with a message saying so."""
    SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if MemberCard.objects.filter(request_key=request_key).exists():
        raise ValidationError(
            _(
                "These cards were issued when the form was first sent. A card is printed only when it "
                "is issued: if they were not printed, issue them again (the cards of that form then "
                "stop working)."
            )
        )
    if not members:
        raise ValidationError(_("Choose at least one member."))
    for member in members:
        if member.group_id != group.pk or member.left_on is not None:
            raise ValidationError(_("A card is issued only to a current member of the group."))
    now = timezone.now()
    MemberCard.objects.filter(member__in=members, ended_at__isnull=True).update(ended_at=now)
    issued = []
    for member in members:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        MemberCard.objects.create(
            member=member, token_hash=token_hash(token), issued_at=now, issued_by=user, request_key=request_key
        )
        issued.append((member, token))
    return issued


# Reads.


def cards_in_use(group: SavingsGroup) -> dict[int, MemberCard]:
    """The group's cards in use, by member pk."""
    return {card.member_id: card for card in MemberCard.objects.filter(member__group=group, ended_at__isnull=True)}


def card_for(token: str, today: datetime.date) -> MemberCard | None:
    """The card in use whose token this is, while its member may read it: a current member, or
    one who left less than a year ago. None for any other token (the page then answers 404)."""
    if not token or len(token) > 100:
        return None
    card = (
        MemberCard.objects.select_related("member__group", "member__person")
        .filter(token_hash=token_hash(token), ended_at__isnull=True)
        .first()
    )
    if card is None or card.member.person.erased_at is not None:
        return None
    left_on = card.member.left_on
    if left_on is not None and today > left_on + READ_AFTER_LEAVING:
        return None
    return card


def client_address(request) -> str:
    """The address a request came from, as the sign-in throttling reads it (django-axes' settings:
    the proxies in front of the app)."""
    address, _routable = get_client_ip(
        request,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT or None,
        request_header_order=settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    )
    return address or "0.0.0.0"


def throttled(address: str, now: datetime.datetime) -> bool:
    """Whether an address has asked too much in the last minute: WRONG_PER_MINUTE wrong tokens, or
    REQUESTS_PER_MINUTE requests of any kind. Counted in the database, so every worker of the
    server counts the same requests."""
    counts = CardRequest.objects.filter(address=address, at__gt=now - datetime.timedelta(minutes=1)).aggregate(
        wrong=Count("pk", filter=Q(found=False)), all=Count("pk")
    )
    return (counts["wrong"] or 0) >= WRONG_PER_MINUTE or (counts["all"] or 0) >= REQUESTS_PER_MINUTE


@transaction.atomic
def card_request_log(*, address: str, card: MemberCard | None, now: datetime.datetime) -> None:
    """One request for a card's page: counted for the rate limit (requests older than a day are
    removed), and, for a card found, a line of the personal-data access log."""
    CardRequest.objects.filter(at__lt=now - datetime.timedelta(days=1)).delete()
    CardRequest.objects.create(address=address, at=now, found=card is not None)
    if card is not None:
        PersonalDataAccess.log(
            user=None, person=card.member.person, action=Access.VIEWED, what=_("Member card page (QR scanned)")
        )


@dataclass(frozen=True)
class CardMonth:
    """A month on the card's page: the commitment in force, and how much of it is paid (the
    member's savings cover the months due oldest first, as the arrears count them)."""

    month: datetime.date
    commitment: Decimal | None  # None: nothing was due (before the first commitment, a dormant month)
    paid: Decimal  # of the commitment (this month: what is paid so far)
    due: bool  # the month has ended and its commitment was due

    @property
    def owed(self) -> Decimal:
        return (self.commitment or Decimal(0)) - self.paid if self.due else Decimal(0)


@dataclass(frozen=True)
class CardLoan:
    loan: Loan
    position: selectors.LoanPosition | None
    repayments: list[LoanEntry]


@dataclass(frozen=True)
class CardFigures:
    member: Member
    balance: Decimal
    arrears: Decimal
    months: list[CardMonth]  # newest first
    rows: list[selectors.PassbookRow]  # the passbook's rows, newest first
    loans: list[CardLoan]


def card_figures(member: Member, today: datetime.date) -> CardFigures:
    """What the member's card page shows: their balance, their arrears, the last MONTHS_SHOWN
    months paid or owed, the passbook's rows and their own loans with their repayments (never a
    loan they guarantee: that is another member's). The figures are the passbook's own
    (selectors.member_with_money, selectors.passbook, selectors.member_loans)."""
    this_month = month_start(today)
    selectors.member_with_money(member, month=this_month, today=today)
    rows = selectors.passbook(member)
    dues = selectors.months_due(member, today)
    covered: dict[datetime.date, Decimal] = {}
    left = member.paid_to_date  # type: ignore[attr-defined]  # member_with_money's, the arrears' own
    for due in dues:
        covered[due.month] = min(due.commitment, max(Decimal(0), left))
        left -= due.commitment
    surplus = max(Decimal(0), left)  # paid ahead of what is due: this month's, so far
    by_month = {due.month: due.commitment for due in dues}
    # A member who left: the twelve months up to the one they left in.
    last = this_month if member.left_on is None else min(this_month, month_start(member.left_on))
    first = max(month_start(member.joined_on), add_months(last, 1 - MONTHS_SHOWN))
    months = []
    month = last
    while month >= first:
        if month in by_month:
            months.append(CardMonth(month, by_month[month], covered[month], due=True))
        elif month == this_month and member.left_on is None:
            commitment = selectors.commitment_in_force(member, month)
            paid = surplus if commitment is None else min(commitment, surplus)
            months.append(CardMonth(month, commitment, paid, due=False))
        else:
            months.append(CardMonth(month, None, Decimal(0), due=False))
        month = add_months(month, -1)
    own_loans, _guarantees = selectors.member_loans(member, today)
    loans = []
    for loan, position in own_loans:
        entries = list(loan.entries.all())
        undone = {entry.reverses_id for entry in entries if entry.reverses_id} | {
            entry.pk for entry in entries if entry.reverses_id
        }
        repaid = [e for e in entries if e.kind != LoanEntryKind.DISBURSEMENT and e.pk not in undone]
        loans.append(CardLoan(loan, position, sorted(repaid, key=lambda e: (e.date, e.pk), reverse=True)))
    return CardFigures(
        member=member,
        balance=rows[-1].running_balance if rows else Decimal(0),
        arrears=member.arrears if member.left_on is None else Decimal(0),  # type: ignore[attr-defined]
        months=months,
        rows=rows[::-1],
        loans=loans,
    )
