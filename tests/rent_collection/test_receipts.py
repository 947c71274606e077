"""Receipts: only a collector a valid CODI letter names for the community takes money; numbers
are unique and gap-free in each collector's series, even at the same moment; more than the
arrears only as advance rent; a wrong receipt is voided with a reason, never edited."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from rent_collection import selectors, services
from rent_collection.models import Receipt, ReceiptSeries, ReceiptVoid
from songkhla_network.models import Role
from tests.factories import RENT_TODAY, make_letter, make_receipt, make_tenancy, make_user, receipt_refused
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

APRIL_10 = datetime.date(2022, 4, 10)


refused = receipt_refused


def test_a_named_collector_takes_money_and_gets_numbers_1_2_3(collector, tenancy, letter):
    receipts = [make_receipt(collector, tenancy, "100") for _ in range(3)]
    assert [r.number for r in receipts] == [1, 2, 3]
    first = receipts[0]
    assert (first.collector, first.tenancy, first.letter, first.posted_by) == (collector, tenancy, letter, collector)
    assert first.amount == Decimal("100.00") and first.advance == Decimal("0.00")


def test_each_collector_has_their_own_series(collector, leader, tenancy, letter, railway_a):
    make_letter([(leader, [railway_a])])
    assert make_receipt(collector, tenancy).number == 1
    assert make_receipt(leader, tenancy).number == 1
    assert make_receipt(collector, tenancy).number == 2


def test_a_collector_without_any_letter_is_refused(collector, tenancy):
    error = refused(lambda: make_receipt(collector, tenancy))
    assert error.code == "no_letter"


def test_a_collector_is_refused_on_a_date_outside_their_letter(collector, tenancy, railway_a):
    make_letter([(collector, [railway_a])], valid_from=datetime.date(2022, 5, 1), valid_to=datetime.date(2022, 5, 31))
    error = refused(lambda: make_receipt(collector, tenancy, date=APRIL_10))
    assert "date" in error.message_dict and "2565" in error.message_dict["date"][0]
    refused(lambda: make_receipt(collector, tenancy, date=datetime.date(2022, 6, 1)))
    assert make_receipt(collector, tenancy, date=datetime.date(2022, 5, 31)).number == 1


def test_a_collector_is_refused_in_a_community_their_letter_does_not_name(collector, letter, railway_b):
    elsewhere = make_tenancy(railway_b)
    error = refused(lambda: make_receipt(collector, elsewhere))
    assert "tenancy" in error.message_dict and railway_b.name in error.message_dict["tenancy"][0]


def test_a_letter_naming_someone_else_does_not_authorise_the_collector(collector, tenancy, railway_a):
    other = make_user("collector_2", Role.COLLECTOR)
    make_letter([(other, [railway_a])])
    refused(lambda: make_receipt(collector, tenancy))


@pytest.mark.parametrize("role", [Role.TREASURER, Role.STAFF])
def test_only_collectors_and_leaders_can_take_money(tenancy, letter, role):
    user = make_user(f"user_{role}", role)
    assert refused(lambda: make_receipt(user, tenancy)).code == "not_collector"


def test_a_leader_named_in_a_letter_can_collect(leader, tenancy, railway_a):
    make_letter([(leader, [railway_a])])
    assert make_receipt(leader, tenancy).number == 1


@pytest.mark.parametrize("amount", ["0", "-100", "0.001"])
def test_a_zero_negative_or_sub_satang_amount_is_refused(collector, tenancy, letter, amount):
    error = refused(lambda: make_receipt(collector, tenancy, amount))
    assert "amount" in error.message_dict


def test_a_date_in_the_future_is_refused(collector, tenancy, letter):
    error = refused(lambda: make_receipt(collector, tenancy, date=RENT_TODAY + datetime.timedelta(days=1)))
    assert "date" in error.message_dict


def test_a_date_inside_the_opening_balance_is_refused(collector, railway_a):
    make_letter([(collector, [railway_a])], valid_from=datetime.date(2022, 3, 1))
    tenancy = make_tenancy(railway_a)
    error = refused(lambda: make_receipt(collector, tenancy, date=tenancy.opening_on))
    assert "date" in error.message_dict


def test_more_than_the_arrears_is_refused_unless_taken_as_advance(collector, tenancy, letter):
    # Owed on 10 April 2565: 1,000 opening + 200 April rent.
    error = refused(lambda: make_receipt(collector, tenancy, "1500"))
    assert "1,200.00" in error.message_dict["amount"][0] and "300.00" in error.message_dict["amount"][0]
    receipt = make_receipt(collector, tenancy, "1500", accept_advance=True)
    assert (receipt.number, receipt.advance, receipt.arrears_paid) == (1, Decimal("300.00"), Decimal("1200.00"))
    assert selectors.tenancy_balance(tenancy, APRIL_10).balance == Decimal("-300.00")


def test_ticking_advance_for_an_amount_within_the_arrears_records_no_advance(collector, tenancy, letter):
    assert make_receipt(collector, tenancy, "500", accept_advance=True).advance == Decimal("0.00")


def test_the_receipt_says_which_months_it_pays_oldest_debt_first(collector, tenancy, letter):
    # 1,000 brought forward at the end of March 2565, then 200 a month from April.
    brought_forward = make_receipt(collector, tenancy, "900")
    reaching_april = make_receipt(collector, tenancy, "200")
    ahead = make_receipt(collector, tenancy, "500", accept_advance=True)
    assert (brought_forward.covers_from, brought_forward.covers_to) == (None, None)
    assert (reaching_april.covers_from, reaching_april.covers_to) == (None, datetime.date(2022, 4, 1))
    assert (ahead.covers_from, ahead.covers_to) == (datetime.date(2022, 4, 1), datetime.date(2022, 6, 1))
    assert ahead.advance == Decimal("400.00")
    assert brought_forward.covers_label and "2565" in reaching_april.covers_label and "2565" in ahead.covers_label


def test_a_form_sent_twice_posts_once(collector, tenancy, letter):
    key = uuid.uuid4()
    first = make_receipt(collector, tenancy, request_key=key)
    with pytest.raises(services.AlreadyPosted) as already:
        make_receipt(collector, tenancy, request_key=key)
    assert already.value.existing == first
    assert Receipt.objects.count() == 1 and make_receipt(collector, tenancy).number == 2


def test_refusals_leave_no_gap_in_the_series(collector, tenancy, letter, railway_b):
    assert make_receipt(collector, tenancy).number == 1
    refused(lambda: make_receipt(collector, tenancy, "0"))
    refused(lambda: make_receipt(collector, make_tenancy(railway_b)))
    refused(lambda: make_receipt(collector, tenancy, "99999"))
    assert make_receipt(collector, tenancy).number == 2


def test_voiding_keeps_the_receipt_and_its_number(collector, tenancy, letter):
    wrong = make_receipt(collector, tenancy, "300")
    void = services.receipt_void(receipt=wrong, reason="  เขียนจำนวนเงินผิด ", user=collector)
    assert (void.receipt, void.reason, void.posted_by) == (wrong, "เขียนจำนวนเงินผิด", collector)
    assert Receipt.objects.get(pk=wrong.pk).amount == Decimal("300.00")
    assert make_receipt(collector, tenancy).number == 2


def test_a_void_needs_a_reason_and_happens_once(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    with pytest.raises(ValidationError) as error:
        services.receipt_void(receipt=receipt, reason="  ", user=collector)
    assert "reason" in error.value.message_dict and not ReceiptVoid.objects.exists()
    services.receipt_void(receipt=receipt, reason="ผิดคน", user=collector)
    with pytest.raises(ValidationError):
        services.receipt_void(receipt=receipt, reason="อีกครั้ง", user=collector)
    assert ReceiptVoid.objects.count() == 1


def test_the_database_refuses_a_second_number_or_a_bad_row(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    fields = dict(collector=collector, date=APRIL_10, tenancy=tenancy, letter=letter, posted_by=collector)
    for bad in [
        dict(number=receipt.number, amount=Decimal("1")),
        dict(number=9, amount=Decimal("0")),
        dict(number=9, amount=Decimal("10"), advance=Decimal("11")),
        dict(
            number=9, amount=Decimal("10"), covers_from=datetime.date(2022, 5, 1), covers_to=datetime.date(2022, 4, 1)
        ),
        dict(number=9, amount=Decimal("10"), covers_from=datetime.date(2022, 5, 1)),
        dict(number=0, amount=Decimal("10")),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Receipt.objects.create(**fields, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptVoid.objects.create(receipt=receipt, reason="", posted_by=collector)


def test_receipts_cannot_be_edited_or_deleted_through_django(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    receipt.amount = Decimal("1")
    with pytest.raises(ValidationError):
        receipt.save()
    with pytest.raises(ValidationError):
        receipt.delete()
    with pytest.raises(ValidationError):
        Receipt.objects.filter(pk=receipt.pk).update(amount=Decimal("1"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE rent_collection_receipt SET amount = 1 WHERE id = %s",
        "DELETE FROM rent_collection_receipt WHERE id = %s",
        "UPDATE rent_collection_receiptvoid SET reason = 'x' WHERE receipt_id = %s",
        "DELETE FROM rent_collection_receiptvoid WHERE receipt_id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_receipts_even_in_raw_sql(collector, tenancy, letter, sql):
    assert connection.vendor == "postgresql"
    receipt = make_receipt(collector, tenancy, "300")
    services.receipt_void(receipt=receipt, reason="ผิด", user=collector)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [receipt.pk])
    assert Receipt.objects.get(pk=receipt.pk).amount == Decimal("300.00")
    assert ReceiptVoid.objects.get(receipt=receipt).reason == "ผิด"


@pytest.mark.django_db(transaction=True)
def test_receipts_at_the_same_moment_get_distinct_gap_free_numbers(collector, railway_a):
    """Six phones of one collector post at once, on PostgreSQL, one of them a refused amount:
    the five others get 1–5, and the series' next number is 6."""
    assert connection.vendor == "postgresql"
    make_letter([(collector, [railway_a])])
    tenancies = [make_tenancy(railway_a, opening="5000") for _ in range(3)]
    amounts = ["100", "100", "0", "100", "100", "100"]
    turns = iter(range(len(amounts)))

    def post(barrier):
        k = next(turns)
        barrier.wait()
        try:
            return make_receipt(collector, tenancies[k % 3], amounts[k]).number
        except ValidationError:
            return "refused"

    results = at_once(len(amounts), post)
    assert sorted(r for r in results if r != "refused") == [1, 2, 3, 4, 5]
    assert results.count("refused") == 1
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert ReceiptSeries.objects.get(collector=collector).next_number == 6


@pytest.mark.django_db(transaction=True)
def test_two_receipts_at_once_cannot_both_take_the_last_of_the_arrears(collector, railway_a):
    """The tenancy is locked while its arrears are read: of two payments of the whole debt at the
    same moment, the second is refused as above the arrears."""
    make_letter([(collector, [railway_a])])
    tenancy = make_tenancy(railway_a, opening="1000")

    def post(barrier):
        barrier.wait()
        try:
            make_receipt(collector, tenancy, "1200")
        except ValidationError:
            return "refused"
        return "posted"

    assert sorted(at_once(2, post)) == ["posted", "refused"]
    assert list(Receipt.objects.values_list("number", flat=True)) == [1]
