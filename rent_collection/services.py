"""Writes for railway-land rent: tenancies, their rents and their end, CODI letters, receipts,
voids and remittances. Each function runs in one transaction and writes everything it was asked to
or nothing; a refusal is a ValidationError with a message for the person at the phone, keyed by
field where there is one.

Locks are always taken in the same order — the tenancy, then the collector's receipt series, then
receipts — so that two writes never wait on each other in a circle."""

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from songkhla_network import promptpay
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import Community, Person, User
from songkhla_network.thai import arabic_digits, be_date, be_month, format_baht, month_start, to_satang

from . import selectors
from .models import (
    COLLECTING_ROLES,
    CodiLetter,
    LetterCollector,
    PaymentMethod,
    Receipt,
    ReceiptSeries,
    ReceiptVoid,
    Remittance,
    RemittanceLine,
    RentChange,
    Tenancy,
    TransferAccount,
)


def _check_money(amount: Decimal | None, field: str = "amount") -> None:
    if amount is None or amount <= 0:
        raise ValidationError({field: _("The amount must be more than 0 baht.")}, code="not_positive")
    if to_satang(amount) != amount:
        raise ValidationError({field: _("The amount is in baht and satang: at most two decimals.")}, code="satang")


def _recorded_by(record: Tenancy | RentChange, user: User) -> None:
    """The change history names `user` for the next save of `record` (simple_history reads it)."""
    record._history_user = user  # type: ignore[union-attr]


@transaction.atomic
def tenancy_register(
    *,
    person: Person | dict[str, Any],
    community: Community,
    plot: str,
    contract_number: str,
    monthly_rent: Decimal,
    start_date: datetime.date,
    opening_balance: Decimal,
    opening_on: datetime.date,
    opening_source: str,
    note: str = "",
) -> Tenancy:
    """Record a tenancy of railway land, its `monthly_rent` the first of its rent series (in force
    from the month its contract starts). `person` is the head of household: a Person already in
    the records, or a dict of Person fields — a person already known by national ID (a saver, a
    surveyed household) is reused rather than entered twice."""
    errors: dict[str, list[str]] = {}
    try:
        _check_money(monthly_rent, "monthly_rent")
    except ValidationError as error:
        errors.update(error.message_dict)
    if opening_balance is None or opening_balance < 0:
        errors["opening_balance"] = [_("The opening arrears cannot be negative: enter 0 if nothing was owed.")]
    if not (opening_source or "").strip():
        errors["opening_source"] = [_("Say which document the opening arrears come from.")]
    if Tenancy.objects.filter(contract_number=contract_number).exists():
        errors["contract_number"] = [_("A tenancy with this contract number is already recorded.")]
    if errors:
        raise ValidationError(errors)
    if isinstance(person, dict):
        national_id = person.get("national_id")
        tenant = Person.objects.filter(national_id=national_id).first() if national_id else None
        if tenant is None:
            tenant = Person.objects.create(**{"community": community, **person})
    else:
        tenant = person
    tenancy = Tenancy.objects.create(
        community=community,
        plot=plot,
        tenant=tenant,
        contract_number=contract_number,
        start_date=start_date,
        opening_balance=opening_balance,
        opening_on=opening_on,
        opening_source=opening_source.strip(),
        note=note,
    )
    RentChange.objects.create(tenancy=tenancy, from_month=month_start(start_date), amount=monthly_rent)
    return tenancy


@transaction.atomic
def rent_change(
    *,
    tenancy: Tenancy,
    from_month: datetime.date,
    amount: Decimal,
    user: User,
    today: datetime.date | None = None,
) -> RentChange:
    """The tenancy's monthly rent becomes `amount` from the month of `from_month` on, until a
    later change. A month that already has a rent of its own gets the new amount instead (its
    change history keeps the old one).

    A change never reaches back: refused, with nothing written, for a month before the current
    one, so no month whose rent fell due before it, no balance of an earlier day and no month an
    earlier receipt paid is changed. Refused too for a tenancy that has ended, an amount not more
    than 0 or with more than two decimals, or the rent the month already has."""
    today = today or timezone.localdate()
    month = month_start(from_month)
    try:
        _check_money(amount)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    locked = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
    if locked.ended_on is not None:
        raise ValidationError(
            _("This tenancy ended on %(date)s: no rent falls due after it.") % {"date": be_date(locked.ended_on)},
            code="ended",
        )
    if month < month_start(today):
        raise ValidationError(
            {
                "from_month": _(
                    "A rent changes from this month or a later one: the rent of %(month)s has already fallen due."
                )
                % {"month": be_month(month)}
            },
            code="past",
        )
    if locked.rent_in(month) == amount:
        raise ValidationError(
            {
                "amount": _("The rent of %(month)s is already %(amount)s baht.")
                % {"month": be_month(month), "amount": format_baht(amount)}
            },
            code="unchanged",
        )
    rent = RentChange.objects.filter(tenancy=locked, from_month=month).first()
    if rent is None:
        rent = RentChange(tenancy=locked, from_month=month)
    rent.amount = amount
    _recorded_by(rent, user)
    rent.save()
    tenancy.forget_rents()
    return rent


@transaction.atomic
def tenancy_end(
    *, tenancy: Tenancy, ended_on: datetime.date, reason: str, user: User, today: datetime.date | None = None
) -> Tenancy:
    """Record that the tenancy ended on `ended_on`, and why. No rent falls due after that day (the
    rent of the month it ended in fell due on its 1st and stays due); what the household owes
    stays owed until paid, and receipts can still be written for it, but not rent in advance.

    Refused, with nothing written, when: it has ended already; no reason is given; the day is in
    the future, or before the 1st of the current month (an end never takes back the rent of a
    month before this one, so no figure of an earlier month changes), or before the day of the
    opening arrears."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    locked = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the tenancy ended.")]
    if locked.ended_on is not None:
        raise ValidationError(
            _("This tenancy already ended on %(date)s: %(reason)s")
            % {"date": be_date(locked.ended_on), "reason": locked.end_reason},
            code="already_ended",
        )
    if ended_on > today:
        errors["ended_on"] = [_("The date is in the future.")]
    elif ended_on < month_start(today):
        errors["ended_on"] = [
            _("Record the end from %(date)s on: the rent of the months before this one has already fallen due.")
            % {"date": be_date(month_start(today))}
        ]
    elif ended_on < locked.opening_on:
        errors["ended_on"] = [
            _("The arrears of this tenancy are counted from %(date)s: it cannot end before.")
            % {"date": be_date(locked.opening_on)}
        ]
    if errors:
        raise ValidationError(errors)
    locked.ended_on, locked.end_reason = ended_on, reason
    _recorded_by(locked, user)
    locked.save(update_fields=["ended_on", "end_reason"])
    tenancy.ended_on, tenancy.end_reason = ended_on, reason
    return locked


@transaction.atomic
def letter_record(
    *,
    number: str,
    date: datetime.date,
    signed_by: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    assignments: Sequence[tuple[User, Iterable[Community]]],
    note: str = "",
) -> CodiLetter:
    """Record a CODI letter and the persons it names, each with their communities
    (`assignments`: [(user, [communities])]). Only rent collectors and network leaders can be
    named, each once, each for at least one community."""
    errors = {}
    if valid_to < valid_from:
        errors["valid_to"] = _("The letter cannot end before it starts.")
    if CodiLetter.objects.filter(number=number).exists():
        errors["number"] = _("A letter with this number is already recorded.")
    if not assignments:
        errors["assignments"] = _("Name at least one collector.")
    users = [user for user, _communities in assignments]
    wrong_role = [str(user) for user in users if user.role not in COLLECTING_ROLES or not user.is_active]
    if wrong_role:
        errors["assignments"] = _("Only active rent collectors and network leaders can be named: %(names)s.") % {
            "names": ", ".join(wrong_role)
        }
    elif len({user.pk for user in users}) != len(users):
        errors["assignments"] = _("Each person is named once, with all their communities.")
    elif any(not communities for _user, communities in assignments):
        errors["assignments"] = _("Give each collector at least one community.")
    if errors:
        raise ValidationError(errors)
    letter = CodiLetter.objects.create(
        number=number, date=date, signed_by=signed_by, valid_from=valid_from, valid_to=valid_to, note=note
    )
    for user, communities in assignments:
        assignment = LetterCollector.objects.create(letter=letter, collector=user)
        assignment.communities.set(communities)
    return letter


def _reference_taken() -> str:
    return _("A receipt with this bank reference is already recorded: a transfer is taken once.")


def bank_reference_normal(reference: str) -> str:
    """A bank reference as it is stored and compared: Thai digits read as 0–9, without spaces,
    in capitals — "abc 123" and "ABC123" are one slip."""
    return re.sub(r"\s", "", arabic_digits(reference or "")).upper()


def _authorising_letter(collector: User, tenancy: Tenancy, date: datetime.date) -> CodiLetter:
    """The letter under which `collector` may collect from `tenancy` on `date`, or the refusal
    that says what is missing."""
    name, community = collector.get_full_name() or collector.username, tenancy.community
    if collector.role not in COLLECTING_ROLES or not collector.is_active:
        raise ValidationError(_("%(name)s is not a rent collector.") % {"name": name}, code="not_collector")
    assignments = list(
        LetterCollector.objects.filter(collector=collector).select_related("letter").prefetch_related("communities")
    )
    valid = [a for a in assignments if a.letter.is_valid_on(date)]
    covering = [a for a in valid if community in a.communities.all()]
    if covering:
        return max(covering, key=lambda a: (a.letter.valid_from, a.letter.pk)).letter
    if valid:
        raise ValidationError(
            {
                "tenancy": _("The CODI letter %(letters)s does not name %(name)s to collect in %(community)s.")
                % {
                    "letters": ", ".join(sorted({a.letter.number for a in valid})),
                    "name": name,
                    "community": community,
                }
            },
            code="other_community",
        )
    for_community = [a for a in assignments if community in a.communities.all()]
    if for_community:
        periods = "; ".join(
            _("letter %(number)s, %(start)s – %(end)s")
            % {"number": a.letter.number, "start": be_date(a.letter.valid_from), "end": be_date(a.letter.valid_to)}
            for a in sorted(for_community, key=lambda a: a.letter.valid_from)
        )
        raise ValidationError(
            {
                "date": _("No CODI letter lets %(name)s collect on %(date)s: %(periods)s.")
                % {
                    "name": name,
                    "date": be_date(date),
                    "periods": periods,
                }
            },
            code="outside_letter",
        )
    raise ValidationError(
        _("%(name)s is not named in any CODI letter: only the persons a letter names may collect rent.")
        % {"name": name},
        code="no_letter",
    )


@transaction.atomic
def receipt_post(
    *,
    collector: User,
    tenancy: Tenancy,
    date: datetime.date,
    amount: Decimal,
    user: User,
    accept_advance: bool = False,
    request_key: uuid.UUID | None = None,
    method: str = PaymentMethod.CASH,
    bank_reference: str = "",
    today: datetime.date | None = None,
) -> Receipt:
    """Record money `collector` took from a household, in cash or by a transfer into their
    account (`method`), and give it the next number of the collector's series.

    A transfer carries the bank's reference of the slip (`bank_reference`, read as
    `bank_reference_normal` writes it), and a reference is taken once among all receipts, a
    voided one's included: the same slip shown twice is refused, and a unique constraint refuses
    it too when two receipts with it are posted at the same moment. Cash has no reference.

    Refused, with nothing written and no number used, when: the amount is not more than 0 or has
    more than two decimals; the date is in the future or not after the day of the tenancy's opening
    balance; the collector is not named, for the tenancy's community, in a CODI letter valid on the
    date; or the amount is more than the household owes on the date and `accept_advance` is not
    set — the excess is then rent paid in advance, recorded on the receipt as such. Arrears here
    count every receipt not voided, whatever its date.

    Numbers are allocated under a lock of the collector's series row, in this transaction: two
    receipts at once get consecutive numbers, and a refusal rolls the number back. A repeated
    `request_key` (a form sent twice) raises AlreadyPosted with the first receipt.
    """
    today = today or timezone.localdate()
    if request_key and (existing := Receipt.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    errors = {}
    try:
        _check_money(amount)
    except ValidationError as error:
        errors.update(error.message_dict)
    bank_reference = bank_reference_normal(bank_reference)
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose how the household paid: cash or transfer.")]
    elif method == PaymentMethod.TRANSFER and not bank_reference:
        errors["bank_reference"] = [_("Enter the reference on the transfer slip.")]
    elif method == PaymentMethod.CASH and bank_reference:
        errors["bank_reference"] = [_("A cash payment has no bank reference: choose transfer, or clear the reference.")]
    elif bank_reference and Receipt.objects.filter(bank_reference=bank_reference).exists():
        errors["bank_reference"] = [_reference_taken()]
    if date > today:
        errors["date"] = [_("The date is in the future.")]
    elif date <= tenancy.opening_on:
        errors["date"] = [
            _("The arrears of this tenancy are counted from %(date)s: a receipt must be dated after it.")
            % {"date": be_date(tenancy.opening_on)}
        ]
    if errors:
        raise ValidationError(errors)
    letter = _authorising_letter(collector, tenancy, date)

    tenancy = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
    # Checked again under the lock: the same form sent twice at once waits here for the first.
    if request_key and (existing := Receipt.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    cover = selectors.receipt_preview(tenancy, day=date, amount=amount)
    if cover.advance and tenancy.ended_on is not None:
        raise ValidationError(
            {
                "amount": _(
                    "The household owes %(owed)s baht on this date, and the tenancy ended on %(ended)s: "
                    "no rent falls due after it, so nothing can be paid in advance."
                )
                % {"owed": format_baht(cover.owed), "ended": be_date(tenancy.ended_on)}
            },
            code="ended",
        )
    if cover.advance and not accept_advance:
        raise ValidationError(
            {
                "amount": _(
                    "The household owes %(owed)s baht on this date. "
                    "Take the %(advance)s baht above it only as rent paid in advance: tick “advance rent”."
                )
                % {"owed": format_baht(cover.owed), "advance": format_baht(cover.advance)}
            },
            code="above_arrears",
        )

    series, _created = ReceiptSeries.objects.get_or_create(collector=collector)
    series = ReceiptSeries.objects.select_for_update().get(pk=series.pk)
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(
                collector=collector,
                number=series.next_number,
                date=date,
                tenancy=tenancy,
                amount=amount,
                advance=cover.advance,
                covers_from=cover.covers_from,
                covers_to=cover.covers_to,
                letter=letter,
                request_key=request_key,
                method=method,
                bank_reference=bank_reference,
                posted_by=user,
            )
    except IntegrityError:
        # The same form sent again for another tenancy, at the same moment.
        if request_key and (existing := Receipt.objects.filter(request_key=request_key).first()):
            raise AlreadyPosted(existing) from None
        # The same slip on another receipt committed in the meantime: the constraint's word.
        if bank_reference and Receipt.objects.filter(bank_reference=bank_reference).exists():
            raise ValidationError({"bank_reference": [_reference_taken()]}, code="reference_taken") from None
        raise
    series.next_number += 1
    series.save(update_fields=["next_number"])
    return receipt


@transaction.atomic
def receipt_void(*, receipt: Receipt, reason: str, user: User, today: datetime.date | None = None) -> ReceiptVoid:
    """Void a wrong receipt, saying why, dated `today`: from that day on it stops counting as
    money taken (every figure up to the day before stays as it was), and it stays on record with
    its number used. A receipt is voided once, and not once it has been remitted to CODI (that
    money has left the collector's hands). The receipt row is locked, as a remittance locks it,
    so a void and a remittance of the same receipt cannot cross."""
    today = today or timezone.localdate()
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the receipt is voided.")}, code="no_reason")
    if today < receipt.date:
        raise ValidationError(
            _("Receipt %(number)s is dated %(date)s: it cannot be voided before that day.")
            % {"number": receipt.number, "date": be_date(receipt.date)},
            code="before_receipt",
        )
    Tenancy.objects.select_for_update().get(pk=receipt.tenancy_id)
    receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
    if (void := ReceiptVoid.objects.filter(receipt=receipt).first()) is not None:
        raise ValidationError(
            _("Receipt %(number)s was already voided: %(reason)s") % {"number": receipt.number, "reason": void.reason},
            code="already_void",
        )
    line = RemittanceLine.objects.filter(receipt=receipt).select_related("remittance").first()
    if line is not None:
        raise ValidationError(
            _("Receipt %(number)s was remitted to CODI on %(date)s (%(reference)s): it can no longer be voided.")
            % {
                "number": receipt.number,
                "date": be_date(line.remittance.transfer_date),
                "reference": line.remittance.bank_reference,
            },
            code="remitted",
        )
    return ReceiptVoid.objects.create(receipt=receipt, date=today, reason=reason.strip(), posted_by=user)


def _numbers(receipts: Iterable[Receipt]) -> str:
    return ", ".join(str(r.number) for r in sorted(receipts, key=lambda r: r.number))


@transaction.atomic
def remittance_post(
    *,
    collector: User,
    receipts: Iterable[Receipt | int],
    transfer_date: datetime.date,
    bank_reference: str,
    amount: Decimal,
    user: User,
    today: datetime.date | None = None,
) -> Remittance:
    """Record a collector's transfer to CODI and the receipts it pays in.

    Refused, with nothing written, unless: there is at least one receipt; every receipt is the
    collector's own, not voided, not remitted before, and dated on or before the transfer; the
    transfer is not in the future and has a bank reference not used before; and `amount` equals
    the sum of the receipts to the satang. The receipts are locked (in id order, so two
    remittances cannot deadlock) before they are checked, and each may be in one remittance
    only (a unique constraint says so too): two remittances racing for a receipt cannot both
    take it.
    """
    today = today or timezone.localdate()
    bank_reference = (bank_reference or "").strip()
    errors = {}
    try:
        _check_money(amount)
    except ValidationError as error:
        errors.update(error.message_dict)
    if transfer_date > today:
        errors["transfer_date"] = [_("The transfer date is in the future.")]
    if not bank_reference:
        errors["bank_reference"] = [_("Enter the bank's reference of the transfer.")]
    elif Remittance.objects.filter(bank_reference=bank_reference).exists():
        errors["bank_reference"] = [_("A remittance with this bank reference is already recorded.")]
    ids = sorted({r.pk if isinstance(r, Receipt) else r for r in receipts})
    if not ids:
        errors["receipts"] = [_("Choose the receipts this transfer pays to CODI.")]
    if errors:
        raise ValidationError(errors)

    locked = list(Receipt.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    problems = []
    if len(locked) != len(ids) or any(r.collector_id != collector.pk for r in locked):
        problems.append(_("Only the collector's own receipts can be remitted."))
    voided = {v.receipt_id for v in ReceiptVoid.objects.filter(receipt__in=ids)}
    if voided:
        problems.append(
            _("Receipts %(numbers)s were voided: they hold no money to remit.")
            % {"numbers": _numbers(r for r in locked if r.pk in voided)}
        )
    remitted = {line.receipt_id for line in RemittanceLine.objects.filter(receipt__in=ids)}
    if remitted:
        problems.append(
            _("Receipts %(numbers)s were already remitted.")
            % {"numbers": _numbers(r for r in locked if r.pk in remitted)}
        )
    later = [r for r in locked if r.date > transfer_date]
    if later:
        problems.append(_("Receipts %(numbers)s are dated after the transfer.") % {"numbers": _numbers(later)})
    if problems:
        raise ValidationError({"receipts": problems})
    total = sum(r.amount for r in locked)
    if amount != total:
        raise ValidationError(
            {
                "amount": _("The receipts add up to %(total)s baht, not %(amount)s baht.")
                % {
                    "total": format_baht(total),
                    "amount": format_baht(amount),
                }
            },
            code="mismatch",
        )
    try:
        with transaction.atomic():
            remittance = Remittance.objects.create(
                collector=collector,
                transfer_date=transfer_date,
                bank_reference=bank_reference,
                amount=amount,
                posted_by=user,
            )
            RemittanceLine.objects.bulk_create(RemittanceLine(remittance=remittance, receipt=r) for r in locked)
    except IntegrityError:
        # Another remittance committed the same bank reference (or, were the locks bypassed, one
        # of these receipts) in the meantime: the unique constraints have the last word.
        if Remittance.objects.filter(bank_reference=bank_reference).exists():
            raise ValidationError(
                {"bank_reference": [_("A remittance with this bank reference is already recorded.")]}
            ) from None
        raise ValidationError({"receipts": [_("Some of these receipts were remitted in the meantime.")]}) from None
    return remittance


@transaction.atomic
def transfer_account_set(
    *, kind: str, promptpay_id: str, name: str, user: User, collector: User | None = None
) -> TransferAccount:
    """Set the PromptPay account of CODI (`kind` CODI), or of `collector`, from now on: a new row,
    the old ones kept as its history. A collector's account with no ID takes their account away.

    Refused, with nothing written, unless `user` is a leader; the ID is a mobile number (10
    digits from 0), a national or tax ID (13) or an e-wallet ID (15), written with or without
    dashes and in Thai digits or not; an account has its name; CODI's has an ID; a collector's
    is a collector's or a leader's who collects; and it differs from the account in force."""
    if not user.is_leader:
        raise ValidationError(_("Only the network's leaders set the PromptPay accounts."), code="not_leader")
    promptpay_id, name = promptpay.normalize_id(promptpay_id), " ".join((name or "").split())
    errors: dict[str, list[str]] = {}
    if kind not in TransferAccount.Kind.values:
        raise ValidationError({"kind": [_("Choose whose account it is.")]})
    if kind == TransferAccount.Kind.CODI:
        collector = None
        if not promptpay_id:
            errors["promptpay_id"] = [_("Enter CODI's PromptPay ID.")]
    elif collector is None or collector.role not in COLLECTING_ROLES or not collector.is_active:
        errors["collector"] = [_("Choose an active rent collector or a leader who collects.")]
    if promptpay_id:
        try:
            promptpay.id_kind(promptpay_id)
        except ValidationError as error:
            errors["promptpay_id"] = error.messages
        if not name:
            errors["name"] = [_("Enter the account's name, as the banking app shows it before paying.")]
    elif name:
        errors["promptpay_id"] = [_("Enter the PromptPay ID of this account, or clear its name to take it away.")]
    if errors:
        raise ValidationError(errors)
    current = selectors.transfer_account(kind=kind, collector=collector, include_cleared=True)
    if current is not None and (current.promptpay_id, current.name) == (promptpay_id, name):
        raise ValidationError(_("This is already the account in force."), code="unchanged")
    if current is None and not promptpay_id:
        raise ValidationError(_("This collector has no account to take away."), code="unchanged")
    return TransferAccount.objects.create(
        kind=kind, collector=collector, promptpay_id=promptpay_id, name=name, posted_by=user
    )
