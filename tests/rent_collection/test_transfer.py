"""Rent paid by transfer: a receipt says how the household paid, a transfer carries the bank's
reference of its slip, and a slip is taken once — by the service, beside the field, and by the
database, even for two receipts at the same moment or a voided receipt's slip. The PromptPay
accounts are set by leaders only, each setting a new row."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from rent_collection import selectors, services
from rent_collection.models import PaymentMethod, Receipt, ReceiptSeries, TransferAccount
from songkhla_network.models import Role
from tests.factories import make_letter, make_receipt, make_tenancy, make_user, make_void, receipt_refused
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

TRANSFER = PaymentMethod.TRANSFER


refused = receipt_refused


def test_a_receipt_is_cash_without_a_reference_unless_told(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy)
    assert (receipt.method, receipt.bank_reference, receipt.by_transfer) == (PaymentMethod.CASH, "", False)


def test_a_transfer_keeps_its_reference_as_one_slip_is_written(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy, method=TRANSFER, bank_reference=" 0161 66abc๑๒ ")
    receipt.refresh_from_db()
    assert (receipt.method, receipt.bank_reference, receipt.by_transfer) == (TRANSFER, "016166ABC12", True)


def test_a_transfer_without_its_reference_is_refused_beside_the_field(collector, tenancy, letter):
    error = refused(lambda: make_receipt(collector, tenancy, method=TRANSFER, bank_reference="   "))
    assert list(error.message_dict) == ["bank_reference"]


def test_cash_with_a_reference_is_refused_beside_the_field(collector, tenancy, letter):
    error = refused(lambda: make_receipt(collector, tenancy, bank_reference="016166ABC"))
    assert list(error.message_dict) == ["bank_reference"]


def test_an_unknown_way_of_paying_is_refused(collector, tenancy, letter):
    error = refused(lambda: make_receipt(collector, tenancy, method="cheque"))
    assert "method" in error.message_dict


def test_a_bank_reference_is_taken_once(collector, tenancy, letter):
    make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC")
    error = refused(lambda: make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166abc"))
    assert list(error.message_dict) == ["bank_reference"]


def test_another_collectors_receipt_cannot_take_the_same_slip(collector, tenancy, letter, railway_a):
    other = make_user("collector_2", Role.COLLECTOR)
    make_letter([(other, [railway_a])])
    make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC")
    refused(lambda: make_receipt(other, make_tenancy(railway_a), method=TRANSFER, bank_reference="016166ABC"))


def test_a_voided_receipts_reference_stays_taken(collector, tenancy, letter):
    """The slip was shown once for money received once: voiding the wrong receipt does not free
    the slip for another (the receipt that replaces it is written without reusing it, or the
    same slip could be counted twice)."""
    wrong = make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC")
    make_void(wrong, on=datetime.date(2022, 4, 11))
    wrong.refresh_from_db()
    assert wrong.bank_reference == "016166ABC"
    refused(lambda: make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC"))


def test_the_form_sent_twice_is_the_first_receipt_not_a_refusal(collector, tenancy, letter):
    key = uuid.uuid4()
    first = make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC", request_key=key)
    with pytest.raises(services.AlreadyPosted) as posted:
        make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC", request_key=key)
    assert posted.value.existing == first


def test_the_database_refuses_a_reference_twice_and_a_transfer_without_one(collector, tenancy, letter):
    first = make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC")
    fields = {
        "collector": collector,
        "date": first.date,
        "tenancy": tenancy,
        "amount": first.amount,
        "letter": letter,
        "posted_by": collector,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(number=90, method=TRANSFER, bank_reference="016166ABC", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(number=91, method=TRANSFER, bank_reference="", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(number=92, method=PaymentMethod.CASH, bank_reference="X1", **fields)
    # Cash receipts have no reference, and many of them share that blank.
    Receipt.objects.create(number=93, **fields)
    Receipt.objects.create(number=94, **fields)


def test_a_receipts_reference_is_never_rewritten(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy, method=TRANSFER, bank_reference="016166ABC")
    sql = "UPDATE rent_collection_receipt SET bank_reference = 'OTHER' WHERE id = %s"
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [receipt.pk])
    assert Receipt.objects.get(pk=receipt.pk).bank_reference == "016166ABC"


@pytest.mark.django_db(transaction=True)
def test_two_receipts_with_one_slip_at_once_are_one_receipt(railway_a):
    """Two collectors, two households, one slip, at the same moment: their locks differ (tenancy,
    series), both may read the slip as free, and the unique constraint refuses the second, beside
    the field."""
    first, second = make_user("collector_1", Role.COLLECTOR), make_user("collector_2", Role.COLLECTOR)
    make_letter([(first, [railway_a]), (second, [railway_a])])
    tenancies = [make_tenancy(railway_a), make_tenancy(railway_a)]

    def post(barrier, k):
        barrier.wait()
        try:
            make_receipt([first, second][k], tenancies[k], method=TRANSFER, bank_reference="016166ABC")
        except ValidationError as error:
            return list(error.message_dict)
        return "posted"

    counter = iter(range(2))
    results = at_once(2, lambda barrier: post(barrier, next(counter)))
    assert sorted(map(str, results)) == ["['bank_reference']", "posted"]
    assert Receipt.objects.filter(bank_reference="016166ABC").count() == 1
    # The refused one used no number: its series, made in its transaction, went with it.
    assert list(ReceiptSeries.objects.values_list("next_number", flat=True)) == [2]


# The accounts.


def test_a_leader_sets_codis_account_and_a_new_setting_replaces_it(leader):
    services.transfer_account_set(kind="codi", promptpay_id="099-999-9999", name="พอช.", user=leader)
    assert selectors.codi_account().promptpay_id == "0999999999"
    services.transfer_account_set(kind="codi", promptpay_id="0994000123456", name="สถาบัน", user=leader)
    assert (selectors.codi_account().promptpay_id, selectors.codi_account().name) == ("0994000123456", "สถาบัน")
    assert TransferAccount.objects.count() == 2  # the first kept, as history


def test_a_collectors_account_is_theirs_and_can_be_taken_away(leader, collector):
    services.transfer_account_set(
        kind="collector", collector=collector, promptpay_id="0812345678", name="นางเก็บ", user=leader
    )
    assert selectors.collector_account(collector).promptpay_id == "0812345678"
    assert selectors.collector_account(leader) is None
    services.transfer_account_set(kind="collector", collector=collector, promptpay_id="", name="", user=leader)
    assert selectors.collector_account(collector) is None
    assert selectors.transfer_accounts_in_force() == (None, [])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "codi", "promptpay_id": "12345", "name": "พอช."}, "promptpay_id"),
        ({"kind": "codi", "promptpay_id": "", "name": "พอช."}, "promptpay_id"),
        ({"kind": "codi", "promptpay_id": "0812345678", "name": "  "}, "name"),
        ({"kind": "collector", "promptpay_id": "0812345678", "name": "ก"}, "collector"),
    ],
)
def test_an_account_a_qr_cannot_pay_is_refused_beside_its_field(leader, fields, field):
    with pytest.raises(ValidationError) as error:
        services.transfer_account_set(user=leader, **fields)
    assert field in error.value.message_dict
    assert not TransferAccount.objects.exists()


def test_only_a_leader_sets_an_account(collector, staff):
    for user in (collector, staff):
        with pytest.raises(ValidationError):
            services.transfer_account_set(kind="codi", promptpay_id="0812345678", name="พอช.", user=user)
    assert not TransferAccount.objects.exists()


def test_the_account_in_force_set_again_is_refused(leader):
    services.transfer_account_set(kind="codi", promptpay_id="0812345678", name="พอช.", user=leader)
    with pytest.raises(ValidationError):
        services.transfer_account_set(kind="codi", promptpay_id="081-234-5678", name="พอช.", user=leader)
    assert TransferAccount.objects.count() == 1


def test_an_account_row_is_never_rewritten(leader):
    account = services.transfer_account_set(kind="codi", promptpay_id="0812345678", name="พอช.", user=leader)
    sql = "UPDATE rent_collection_transferaccount SET promptpay_id = '0899999999' WHERE id = %s"
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [account.pk])
    assert selectors.codi_account().promptpay_id == "0812345678"
