"""Remittances to CODI: a collector's own receipts, not voided, each once, for exactly their sum;
cash in hand and the reconciliation of a period follow from the receipts and remittances."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from rent_collection import selectors, services
from rent_collection.models import Remittance, RemittanceLine
from songkhla_network.models import Role
from tests.factories import RENT_TODAY, make_letter, make_receipt, make_remittance, make_tenancy, make_user
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

TRANSFER = datetime.date(2022, 5, 5)


def remit(collector, receipts, amount=None, reference="KTB-0001", transfer_date=TRANSFER):
    return make_remittance(collector, receipts, transfer_date, amount=amount, reference=reference)


def refused(work):
    """The ValidationError `work` raises; and nothing was written."""
    counts = Remittance.objects.count(), RemittanceLine.objects.count()
    with pytest.raises(ValidationError) as error:
        work()
    assert (Remittance.objects.count(), RemittanceLine.objects.count()) == counts
    return error.value


def test_a_remittance_takes_the_collectors_receipts_for_their_sum(collector, tenancy, letter):
    receipts = [make_receipt(collector, tenancy, "200"), make_receipt(collector, tenancy, "150.50")]
    remittance = remit(collector, receipts)
    assert remittance.amount == Decimal("350.50")
    assert {line.receipt for line in remittance.lines.all()} == set(receipts)
    assert not selectors.unremitted_receipts(collector).exists()


def test_an_amount_other_than_the_sum_of_the_receipts_is_refused(collector, tenancy, letter):
    receipts = [make_receipt(collector, tenancy, "200"), make_receipt(collector, tenancy, "150")]
    for amount in ["350.01", "349.99", "0"]:
        error = refused(lambda amount=amount: remit(collector, receipts, amount))
        assert "amount" in error.message_dict
    assert not Remittance.objects.exists() and not RemittanceLine.objects.exists()


def test_a_receipt_is_remitted_once(collector, tenancy, letter):
    first, second = make_receipt(collector, tenancy), make_receipt(collector, tenancy)
    remit(collector, [first])
    error = refused(lambda: remit(collector, [first, second], reference="KTB-0002"))
    assert str(first.number) in error.message_dict["receipts"][0]
    assert RemittanceLine.objects.count() == 1


def test_the_database_refuses_a_receipt_in_two_remittances(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    remittance = remit(collector, [receipt])
    with pytest.raises(IntegrityError), transaction.atomic():
        RemittanceLine.objects.create(remittance=remittance, receipt=receipt)


def test_a_voided_receipt_cannot_be_remitted(collector, tenancy, letter):
    good, wrong = make_receipt(collector, tenancy), make_receipt(collector, tenancy)
    services.receipt_void(receipt=wrong, reason="ผิด", user=collector)
    error = refused(lambda: remit(collector, [good, wrong]))
    assert "receipts" in error.message_dict and not Remittance.objects.exists()


def test_a_remitted_receipt_cannot_be_voided(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    remit(collector, [receipt])
    with pytest.raises(ValidationError) as error:
        services.receipt_void(receipt=receipt, reason="ผิด", user=collector)
    assert error.value.code == "remitted"


def test_only_the_collectors_own_receipts_can_be_remitted(collector, leader, tenancy, letter, railway_a):
    make_letter([(leader, [railway_a])])
    theirs = make_receipt(leader, tenancy)
    refused(lambda: remit(collector, [make_receipt(collector, tenancy), theirs]))
    assert not Remittance.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        (dict(receipts=[]), "receipts"),
        (dict(transfer_date=datetime.date(2022, 4, 9)), "receipts"),  # before the receipt's date
        (dict(transfer_date=RENT_TODAY + datetime.timedelta(days=1)), "transfer_date"),
        (dict(bank_reference="  "), "bank_reference"),
    ],
)
def test_other_bad_remittances_are_refused(collector, tenancy, letter, change, field):
    receipt = make_receipt(collector, tenancy)
    fields = (
        dict(
            collector=collector,
            receipts=[receipt],
            transfer_date=TRANSFER,
            bank_reference="KTB-0001",
            amount=receipt.amount,
            user=collector,
            today=RENT_TODAY,
        )
        | change
    )
    with pytest.raises(ValidationError) as error:
        services.remittance_post(**fields)
    assert field in error.value.message_dict and not Remittance.objects.exists()


def test_a_bank_reference_is_used_once(collector, tenancy, letter):
    remit(collector, [make_receipt(collector, tenancy)])
    error = refused(lambda: remit(collector, [make_receipt(collector, tenancy)]))
    assert "bank_reference" in error.message_dict


def test_remittances_cannot_be_changed_even_in_raw_sql(collector, tenancy, letter):
    assert connection.vendor == "postgresql"
    remittance = remit(collector, [make_receipt(collector, tenancy)])
    for sql in [
        "UPDATE rent_collection_remittance SET amount = 1 WHERE id = %s",
        "DELETE FROM rent_collection_remittance WHERE id = %s",
        "UPDATE rent_collection_remittanceline SET receipt_id = receipt_id WHERE remittance_id = %s",
        "DELETE FROM rent_collection_remittanceline WHERE remittance_id = %s",
    ]:
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [remittance.pk])
    assert Remittance.objects.get().amount == Decimal("200.00") and RemittanceLine.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_remittances_racing_for_a_receipt_cannot_both_take_it(collector, railway_a):
    assert connection.vendor == "postgresql"
    make_letter([(collector, [railway_a])])
    tenancy = make_tenancy(railway_a)
    receipts = [make_receipt(collector, tenancy), make_receipt(collector, tenancy)]
    references = iter(["KTB-1", "KTB-2", "KTB-3"])

    def post(barrier):
        reference = next(references)
        barrier.wait()
        try:
            remit(collector, receipts, reference=reference)
        except ValidationError:
            return "refused"
        return "posted"

    assert sorted(at_once(3, post)) == ["posted", "refused", "refused"]
    assert Remittance.objects.count() == 1 and RemittanceLine.objects.count() == 2


def test_cash_in_hand_is_collected_minus_remitted_with_the_days_the_oldest_waits(
    collector, leader, tenancy, letter, railway_a
):
    make_letter([(leader, [railway_a])])
    april = make_receipt(collector, tenancy, "200", date=datetime.date(2022, 4, 10))
    make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 20))
    voided = make_receipt(collector, tenancy, "99", date=datetime.date(2022, 4, 1))
    services.receipt_void(receipt=voided, reason="ผิด", user=collector, today=datetime.date(2022, 5, 3))
    make_receipt(leader, tenancy, "50", date=datetime.date(2022, 5, 1))
    remit(collector, [april], transfer_date=datetime.date(2022, 4, 30))
    by_name = {row.collector: row for row in selectors.cash_in_hand(datetime.date(2022, 5, 10))}
    mine = by_name[collector]
    assert (mine.collected, mine.remitted, mine.in_hand) == (Decimal("500"), Decimal("200"), Decimal("300"))
    assert (mine.unremitted_receipts, mine.oldest_unremitted, mine.days_waiting) == (1, datetime.date(2022, 4, 20), 20)
    theirs = by_name[leader]
    assert (theirs.in_hand, theirs.days_waiting) == (Decimal("50"), 9)
    # Before the transfer the money was still in hand.
    # Before the transfer the money was still in hand, and so was the voided receipt's until its void.
    before = {row.collector: row for row in selectors.cash_in_hand(datetime.date(2022, 4, 29))}[collector]
    assert (before.in_hand, before.oldest_unremitted) == (Decimal("599"), datetime.date(2022, 4, 1))
    assert (before.collected, before.unremitted_receipts) == (Decimal("599"), 3)
    day_before_void = {row.collector: row for row in selectors.cash_in_hand(datetime.date(2022, 5, 2))}[collector]
    assert (day_before_void.in_hand, day_before_void.unremitted_receipts) == (Decimal("399"), 2)


def test_a_collector_who_remitted_everything_waits_for_nothing(collector, tenancy, letter):
    remit(collector, [make_receipt(collector, tenancy)])
    (row,) = selectors.cash_in_hand(RENT_TODAY)
    assert (row.in_hand, row.unremitted_receipts, row.oldest_unremitted, row.days_waiting) == (0, 0, None, None)


def test_reconciliation_of_a_period_by_collector_and_by_community(
    collector, leader, tenancy, letter, railway_a, railway_b
):
    make_letter([(collector, [railway_b])])
    make_letter([(leader, [railway_a])])
    other = make_tenancy(railway_b)
    march_end = make_receipt(collector, tenancy, "100", date=datetime.date(2022, 4, 1))  # before the period
    remit(collector, [march_end], reference="KTB-A", transfer_date=datetime.date(2022, 4, 2))
    before = make_receipt(collector, tenancy, "200", date=datetime.date(2022, 4, 5))
    in_a = make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 15))
    in_b = make_receipt(collector, other, "400", date=datetime.date(2022, 4, 20))
    make_receipt(leader, tenancy, "50", date=datetime.date(2022, 4, 25))
    voided = make_receipt(collector, other, "99", date=datetime.date(2022, 4, 21))
    services.receipt_void(receipt=voided, reason="ผิด", user=collector, today=datetime.date(2022, 4, 22))
    # Taken before the period and voided in it: out of the hands in the period.
    early = make_receipt(collector, other, "40", date=datetime.date(2022, 4, 6))
    services.receipt_void(receipt=early, reason="ผิด", user=collector, today=datetime.date(2022, 4, 12))
    # Taken in the period and voided after it: still in hand at its end.
    late = make_receipt(collector, other, "60", date=datetime.date(2022, 4, 29))
    services.receipt_void(receipt=late, reason="ผิด", user=collector, today=datetime.date(2022, 5, 2))
    remit(collector, [before, in_a], reference="KTB-B", transfer_date=datetime.date(2022, 4, 28))
    remit(collector, [in_b], reference="KTB-C", transfer_date=datetime.date(2022, 5, 3))  # after the period
    result = selectors.reconciliation(datetime.date(2022, 4, 10), datetime.date(2022, 4, 30))

    def figures(row):
        assert row.in_hand_before + row.received - row.voided - row.remitted == row.in_hand_after
        assert row.collected == row.received - row.voided
        return row.in_hand_before, row.received, row.voided, row.remitted, row.in_hand_after

    D = Decimal
    collectors = {row.key: figures(row) for row in result.by_collector}
    assert collectors == {
        collector: (D("240"), D("859"), D("139"), D("500"), D("460")),
        leader: (D("0"), D("50"), D("0"), D("0"), D("50")),
    }
    communities = {row.key: figures(row) for row in result.by_community}
    assert communities == {
        railway_a: (D("200"), D("350"), D("0"), D("500"), D("50")),
        railway_b: (D("40"), D("559"), D("139"), D("0"), D("460")),
    }
    assert figures(result.total) == (D("240"), D("909"), D("139"), D("500"), D("510"))
    # The total at the end is what the collectors held at the end, and before what they held the day before.
    assert result.total.in_hand_after == sum(row.in_hand for row in selectors.cash_in_hand(datetime.date(2022, 4, 30)))
    assert result.total.in_hand_before == sum(row.in_hand for row in selectors.cash_in_hand(datetime.date(2022, 4, 9)))


def test_money_reads_take_a_fixed_number_of_queries(
    collector, tenancy, letter, railway_a, django_assert_max_num_queries
):
    def read():
        with django_assert_max_num_queries(2):
            cash = selectors.cash_in_hand(RENT_TODAY)
        with django_assert_max_num_queries(3):
            reconciliation = selectors.reconciliation(datetime.date(2022, 4, 1), RENT_TODAY)
        with django_assert_max_num_queries(1):
            listed = list(selectors.receipts(collector=collector))
            [
                (r.tenancy.tenant.full_name, r.letter.number, hasattr(r, "void"), hasattr(r, "remittance_line"))
                for r in listed
            ]
        return cash, reconciliation

    remit(collector, [make_receipt(collector, tenancy)])
    read()
    others = [make_user(f"collector_{k}", Role.COLLECTOR) for k in range(4)]
    make_letter([(user, [railway_a]) for user in others])
    for k, user in enumerate(others):
        receipts = [make_receipt(user, make_tenancy(railway_a)) for _ in range(3)]
        remit(user, receipts[:2], reference=f"KTB-{k + 2}")
        services.receipt_void(receipt=receipts[2], reason="ผิด", user=user, today=RENT_TODAY)
        make_receipt(user, tenancy, "10")
    cash, reconciliation = read()
    assert len(cash) == 5 and len(reconciliation.by_collector) == 5
