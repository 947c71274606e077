"""Corrections everywhere in the enterprise: a donation reversed stays in the records, marked
reversed from the day of the correction; a batch reversed gives its materials back and takes its
litres out, never litres that have been shared or sold since. Each is one service in one
transaction, refused without a reason, before what it corrects, twice, or at the same moment as
another taker; the database refuses to rewrite either record."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from enterprise import selectors, services
from enterprise.models import (
    Batch,
    BatchReversal,
    CashEntry,
    DonationReversal,
    LiquidSale,
    MaterialKind,
    MaterialMovement,
    RawMaterial,
)
from network.codi_report import codi_report
from tests.factories import donate, make_recipe
from tests.helpers import assert_no_english, at_once

pytestmark = pytest.mark.django_db

RECEIVED = datetime.date(2022, 2, 25)
FEB_END, MAR_1, MAR_10 = datetime.date(2022, 2, 28), datetime.date(2022, 3, 1), datetime.date(2022, 3, 10)
DAY = datetime.date(2022, 3, 20)


def days(n):
    return DAY + datetime.timedelta(days=n)


# Donations.


def test_a_reversed_donation_stands_marked_reversed_from_the_day_of_the_correction(leader):
    donation = donate(leader)
    reversal = services.donation_reverse(donation=donation, date=MAR_10, reason="โอนซ้ำ", user=leader)
    assert (reversal.donation, reversal.date, reversal.reason) == (donation, MAR_10, "โอนซ้ำ")
    cash = reversal.cash_entry
    assert (cash.amount, cash.date, cash.reverses, cash.reason) == (
        Decimal("-5000.00"),
        MAR_10,
        donation.cash_entry,
        "โอนซ้ำ",
    )
    rows = selectors.donations()
    assert selectors.donation_total(rows, FEB_END) == Decimal("5000.00")
    assert selectors.donation_total(rows, MAR_10 - datetime.timedelta(days=1)) == Decimal("5000.00")
    assert selectors.donation_total(rows, MAR_10) == 0
    # The period it came in keeps it; the period of the correction takes it out.
    assert selectors.statement(datetime.date(2022, 2, 1), FEB_END).donations == Decimal("5000.00")
    assert selectors.statement(MAR_1, datetime.date(2022, 3, 31)).donations == Decimal("-5000.00")
    assert selectors.cash_balance(FEB_END) == Decimal("5000.00") and selectors.cash_balance() == 0


def test_reversing_the_donations_row_in_the_cash_book_marks_the_donation_too(leader):
    donation = donate(leader)
    cash = services.cash_reverse(entry=donation.cash_entry, date=MAR_10, reason="ผิดคน", user=leader)
    reversal = DonationReversal.objects.get(donation=donation)
    assert (reversal.cash_entry, reversal.date, reversal.reason) == (cash, MAR_10, "ผิดคน")


@pytest.mark.parametrize("first", ["donation_reverse", "cash_reverse"])
@pytest.mark.parametrize("second", ["donation_reverse", "cash_reverse"])
def test_a_donation_is_reversed_once_whichever_way_it_is_asked(leader, first, second):
    donation = donate(leader)

    def reverse_by(way):
        if way == "donation_reverse":
            services.donation_reverse(donation=donation, date=MAR_10, reason="ซ้ำ", user=leader)
        else:
            services.cash_reverse(entry=donation.cash_entry, date=MAR_10, reason="ซ้ำ", user=leader)

    reverse_by(first)
    with pytest.raises(ValidationError):
        reverse_by(second)
    assert DonationReversal.objects.count() == 1 and CashEntry.objects.count() == 2
    assert selectors.cash_balance() == 0


@pytest.mark.parametrize(
    "date, reason, field",
    [
        (MAR_10, "", "reason"),
        (MAR_10, "   ", "reason"),
        (RECEIVED - datetime.timedelta(days=1), "ซ้ำ", "date"),
    ],
)
def test_a_donation_reversal_needs_a_reason_and_a_day_not_before_the_donation(leader, date, reason, field):
    donation = donate(leader)
    with pytest.raises(ValidationError) as error:
        services.donation_reverse(donation=donation, date=date, reason=reason, user=leader)
    assert field in error.value.message_dict
    assert not DonationReversal.objects.exists() and CashEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_leaders_reversing_one_donation_at_once_reverse_it_once(leader):
    donation = donate(leader)

    def reverse_it(barrier):
        barrier.wait()
        try:
            services.donation_reverse(donation=donation, date=MAR_10, reason="ซ้ำ", user=leader)
        except ValidationError:
            return "refused"
        return "reversed"

    assert sorted(at_once(3, reverse_it)) == ["refused", "refused", "reversed"]
    assert DonationReversal.objects.count() == 1 and CashEntry.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE enterprise_donationreversal SET reason = 'อื่น'",
        "DELETE FROM enterprise_donationreversal",
        "UPDATE enterprise_batchreversal SET reason = 'อื่น'",
        "DELETE FROM enterprise_batchreversal",
    ],
)
def test_the_database_refuses_to_rewrite_a_reversal(leader, sql):
    services.donation_reverse(donation=donate(leader), date=MAR_10, reason="ซ้ำ", user=leader)
    recipe = make_recipe(leader, DAY)
    batch = services.batch_make(
        recipe=recipe, date=DAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    services.batch_reverse(batch=batch, date=DAY, reason="ทำผิดสูตร", user=leader)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert DonationReversal.objects.get().reason == "ซ้ำ" and BatchReversal.objects.get().reason == "ทำผิดสูตร"


def test_the_database_refuses_a_reversal_without_a_reason_or_a_second_one(leader):
    donation = donate(leader)
    reversal = services.donation_reverse(donation=donation, date=MAR_10, reason="ซ้ำ", user=leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        DonationReversal.objects.create(
            donation=donate(leader, "10"),
            cash_entry=CashEntry.objects.first(),
            date=MAR_10,
            reason="",
            posted_by=leader,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DonationReversal.objects.create(
            donation=donation, cash_entry=reversal.cash_entry, date=MAR_10, reason="อีกครั้ง", posted_by=leader
        )


def test_the_donation_pages_show_the_reversal_and_leave_it_out_of_the_total(client, leader, staff):
    kept, reversed_ = donate(leader, "1000"), donate(leader, "5000")
    client.force_login(leader)
    page = reverse("enterprise:donation_reverse", args=[reversed_.pk])
    response = client.get(page)
    assert response.status_code == 200
    assert_no_english(response)
    response = client.post(page, {"date": "10/3/2565", "reason": "ผู้บริจาคขอคืน"})
    assert response.status_code == 302 and response["Location"] == reverse("enterprise:donation", args=[reversed_.pk])
    acknowledgement = client.get(response["Location"])
    assert_no_english(acknowledgement)
    text = acknowledgement.content.decode()
    assert "ผู้บริจาคขอคืน" in text and "10 มีนาคม 2565" in text
    assert reverse("enterprise:donation_reverse", args=[reversed_.pk]) not in text
    assert (
        reverse("enterprise:donation_reverse", args=[kept.pk])
        in client.get(reverse("enterprise:donation", args=[kept.pk])).content.decode()
    )
    listing = client.get(reverse("enterprise:donations"))
    assert_no_english(listing)
    assert listing.context["total"] == Decimal("1000.00")
    assert listing.content.decode().count("donation-reversed") == 1
    # Reversed already: there is nothing left to reverse.
    assert client.get(page).status_code == 404
    assert client.post(page, {"date": "11/3/2565", "reason": "อีก"}).status_code == 404
    # Staff read the books, never correct them.
    client.force_login(staff)
    assert client.get(reverse("enterprise:donation_reverse", args=[kept.pk])).status_code == 403
    response = client.post(reverse("enterprise:donation_reverse", args=[kept.pk]), {"date": "10/3/2565", "reason": "x"})
    assert response.status_code == 403 and DonationReversal.objects.count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"date": "10/3/2565", "reason": ""}, "reason"),
        ({"date": "10/3/2022", "reason": "ซ้ำ"}, "date"),
        ({"date": "1/1/2600", "reason": "ซ้ำ"}, "date"),
        ({"date": "24/2/2565", "reason": "ซ้ำ"}, "date"),  # the day before the donation
    ],
)
def test_a_wrong_donation_reversal_gets_a_thai_message_beside_the_field(client, leader, data, field):
    donation = donate(leader)
    client.force_login(leader)
    response = client.post(reverse("enterprise:donation_reverse", args=[donation.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not DonationReversal.objects.exists() and CashEntry.objects.count() == 1


def test_the_codi_report_of_each_period_says_what_happened_in_it(leader):
    donation = donate(leader)
    services.donation_reverse(donation=donation, date=MAR_10, reason="โอนซ้ำ", user=leader)
    february = codi_report(datetime.date(2022, 2, 1), datetime.date(2022, 2, 1), issued=DAY)
    march = codi_report(MAR_1, MAR_1, issued=DAY)
    assert [(line.amount, line.reversal) for line in february.donations] == [(Decimal("5000.00"), None)]
    assert [(line.amount, line.date) for line in march.donations] == [(Decimal("-5000.00"), MAR_10)]
    assert february.donated == february.enterprise.statement.donations == Decimal("5000.00")
    assert march.donated == march.enterprise.statement.donations == Decimal("-5000.00")


# Batches.


@pytest.fixture
def recipe(leader):
    return make_recipe(leader, DAY)


def make_batch(recipe, leader, day=DAY, litres="20"):
    return services.batch_make(
        recipe=recipe, date=day, scale=Decimal("1"), litres=Decimal(litres), makers=[], user=leader
    )


def sell(recipe, leader, litres, day):
    return services.liquid_sell(
        recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal(litres), date=day, user=leader
    )


def materials():
    return {m.name: selectors.material_stock(m) for m in RawMaterial.objects.all()}


def test_a_reversed_batch_gives_its_materials_back_and_takes_its_litres_out(recipe, leader):
    bought = materials()
    batch = make_batch(recipe, leader)
    assert materials() != bought
    reversal = services.batch_reverse(batch=batch, date=days(2), reason="ทำผิดสูตร", user=leader)
    assert (reversal.batch, reversal.date, reversal.reason) == (batch, days(2), "ทำผิดสูตร")
    assert materials() == bought  # quantity and value, to the satang
    returned = MaterialMovement.objects.filter(kind=MaterialKind.RETURNED)
    assert {(m.material.name, m.quantity, m.value, m.date, m.batch) for m in returned} == {
        ("หัวเชื้อ N70", Decimal("2.000"), Decimal("140.00"), days(2), batch),
        ("เกลือ", Decimal("1.000"), Decimal("10.00"), days(2), batch),
    }
    assert selectors.liquid_in_stock(recipe) == 0
    assert not CashEntry.objects.filter(date=days(2)).exists()  # making and unmaking move no money
    # As of the day before the correction, the batch's litres were there.
    [before] = selectors.liquid_ledgers(DAY, days(1))
    assert (before.made, before.reversed, before.closing) == (Decimal("20"), 0, Decimal("20"))
    [over] = selectors.liquid_ledgers(DAY, days(2))
    assert (over.made, over.reversed, over.closing, over.batches_net, over.cost) == (20, 20, 0, 0, 0)
    assert over.balanced and over.value == 0


def test_a_batch_whose_litres_were_shared_or_sold_cannot_be_reversed_until_the_sale_is(recipe, leader):
    batch = make_batch(recipe, leader)
    sale = sell(recipe, leader, "5", days(1))
    with pytest.raises(ValidationError) as error:
        services.batch_reverse(batch=batch, date=days(2), reason="ทำผิดสูตร", user=leader)
    assert error.value.code == "litres_gone"
    assert not BatchReversal.objects.exists() and not MaterialMovement.objects.filter(kind="returned").exists()
    services.cash_reverse(entry=sale.cash_entry, date=days(2), reason="ขายผิด", user=leader)
    services.batch_reverse(batch=batch, date=days(2), reason="ทำผิดสูตร", user=leader)
    assert selectors.liquid_in_stock(recipe) == 0


def test_litres_sold_after_the_day_of_the_reversal_count_too(recipe, leader):
    first = make_batch(recipe, leader, DAY)
    sell(recipe, leader, "15", days(3))
    make_batch(recipe, leader, days(5))  # 25 litres left now, but only 5 on days 3 and 4
    with pytest.raises(ValidationError):
        services.batch_reverse(batch=first, date=days(1), reason="ผิด", user=leader)
    services.batch_reverse(batch=first, date=days(6), reason="ผิด", user=leader)
    assert selectors.liquid_in_stock(recipe) == Decimal("5")


@pytest.mark.parametrize(
    "date, reason, field",
    [(days(1), "", "reason"), (days(1), "  ", "reason"), (days(-1), "ผิด", "date")],
)
def test_a_batch_reversal_needs_a_reason_and_a_day_not_before_the_batch(recipe, leader, date, reason, field):
    batch = make_batch(recipe, leader)
    with pytest.raises(ValidationError) as error:
        services.batch_reverse(batch=batch, date=date, reason=reason, user=leader)
    assert field in error.value.message_dict
    assert not BatchReversal.objects.exists()


def test_a_batch_is_reversed_once(recipe, leader):
    batch = make_batch(recipe, leader)
    services.batch_reverse(batch=batch, date=DAY, reason="ผิด", user=leader)
    with pytest.raises(ValidationError):
        services.batch_reverse(batch=batch, date=DAY, reason="ผิดอีก", user=leader)
    assert BatchReversal.objects.count() == 1 and MaterialMovement.objects.filter(kind="returned").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_sale_and_a_reversal_at_once_cannot_both_take_the_litres(leader):
    recipe = make_recipe(leader, DAY)
    batch = make_batch(recipe, leader)
    roles = iter(["sale", "reverse"])

    def take(barrier):
        which = next(roles)
        barrier.wait()
        try:
            if which == "sale":
                sell(recipe, leader, "20", days(1))
            else:
                services.batch_reverse(batch=batch, date=days(1), reason="ผิด", user=leader)
        except ValidationError:
            return "refused"
        return which

    results = at_once(2, take)
    assert sorted(results) in (["refused", "sale"], ["refused", "reverse"]), results
    assert selectors.liquid_in_stock(recipe) == 0


def test_the_batch_page_shows_it_and_a_leader_reverses_it_there(client, recipe, leader, staff):
    batch = make_batch(recipe, leader)
    page = reverse("enterprise:batch", args=[batch.pk])
    client.force_login(staff)
    response = client.get(page)
    assert response.status_code == 200 and response.context["form"] is None
    assert_no_english(response)
    assert client.post(page, {"date": "21/3/2565", "reason": "ผิด"}).status_code == 403
    client.force_login(leader)
    response = client.get(page)
    assert response.context["form"] is not None
    assert_no_english(response)
    production = client.get(reverse("enterprise:production")).content.decode()
    assert page in production
    response = client.post(page, {"date": "21/3/2565", "reason": "ทำผิดสูตร"})
    assert response.status_code == 302 and response["Location"] == page
    response = client.get(page)
    assert response.context["form"] is None and "ทำผิดสูตร" in response.content.decode()
    assert_no_english(response)
    assert BatchReversal.objects.get().date == datetime.date(2022, 3, 21)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"date": "21/3/2565", "reason": ""}, "reason"),
        ({"date": "21/3/2022", "reason": "ผิด"}, "date"),
        ({"date": "19/3/2565", "reason": "ผิด"}, "date"),  # the day before the batch
        ({"date": "1/1/2600", "reason": "ผิด"}, "date"),
    ],
)
def test_a_wrong_batch_reversal_gets_a_thai_message_beside_the_field(client, recipe, leader, data, field):
    batch = make_batch(recipe, leader)
    client.force_login(leader)
    response = client.post(reverse("enterprise:batch", args=[batch.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not BatchReversal.objects.exists()


def test_litres_gone_are_said_on_top_of_the_form(client, recipe, leader):
    batch = make_batch(recipe, leader)
    sell(recipe, leader, "1", DAY)
    client.force_login(leader)
    response = client.post(reverse("enterprise:batch", args=[batch.pk]), {"date": "21/3/2565", "reason": "ผิด"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert_no_english(response)
    assert not BatchReversal.objects.exists()


# What is in stock on a day: nothing is taken that was not there then, or is needed later.


def test_a_batch_cannot_use_materials_bought_after_its_day(recipe, leader):
    with pytest.raises(ValidationError):
        make_batch(recipe, leader, days(-1))
    assert not Batch.objects.exists()


def test_a_batch_cannot_take_materials_a_later_batch_took(leader):
    # 10 kg of N70: batches on days 3 and 4 take 2 kg each; 6 more on day 1 leave none for day 2.
    recipe = make_recipe(leader, DAY, salt="10")
    make_batch(recipe, leader, days(3))
    make_batch(recipe, leader, days(4))
    services.batch_make(recipe=recipe, date=days(1), scale=Decimal("3"), litres=Decimal("60"), makers=[], user=leader)
    with pytest.raises(ValidationError):
        make_batch(recipe, leader, days(2))


def test_a_sale_cannot_take_litres_made_after_its_day(recipe, leader):
    make_batch(recipe, leader, days(2))
    with pytest.raises(ValidationError):
        sell(recipe, leader, "1", days(1))
    sell(recipe, leader, "20", days(2))
    assert selectors.liquid_in_stock(recipe) == 0
