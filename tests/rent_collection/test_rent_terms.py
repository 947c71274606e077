"""A tenancy's terms over time: its rent is a series, each in force from a month, changed only from
the current month on, so no balance of an earlier day and no month an earlier receipt paid ever
moves; a tenancy ends on a day, after which no rent falls due while its arrears stay owed. A
leader changes both on the tenancy's page; the admin shows them, and once a receipt exists keeps
what the balance is computed from fixed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from rent_collection import selectors, services
from rent_collection.models import Receipt, RentChange, Tenancy
from songkhla_network.thai import add_months, month_start
from tests.factories import RENT_OPENING_ON, be_day, make_letter, make_receipt, make_tenancy, make_void
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

APR, MAY, JUN, JUL = (datetime.date(2022, m, 1) for m in (4, 5, 6, 7))
D = Decimal


def rents(tenancy):
    return [(r.from_month, r.amount) for r in RentChange.objects.filter(tenancy=tenancy).order_by("from_month")]


def test_the_rent_due_each_month_is_the_rent_in_force_in_it(collector, tenancy, letter):
    services.rent_change(tenancy=tenancy, from_month=JUN, amount=D("300"), user=collector, today=MAY)
    services.rent_change(
        tenancy=tenancy, from_month=datetime.date(2022, 8, 20), amount=D("250"), user=collector, today=JUL
    )
    assert rents(tenancy) == [
        (datetime.date(2012, 1, 1), D("200")),
        (JUN, D("300")),
        (datetime.date(2022, 8, 1), D("250")),
    ]
    assert [tenancy.rent_in(m) for m in (datetime.date(2011, 1, 1), MAY, JUN, JUL, datetime.date(2022, 9, 1))] == [
        D("200"),
        D("200"),
        D("300"),
        D("300"),
        D("250"),
    ]
    # April and May at 200, June and July at 300, August and September at 250.
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 9, 30)).rent_due == D("1500")
    statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 9, 30))
    assert [line.charge for line in statement.lines if line.kind == "rent"] == [
        D(x) for x in "200 200 300 300 250 250".split()
    ]


def test_the_rent_follows_the_rents_loaded(collector, tenancy, letter, django_assert_num_queries):
    """Tenancy.rent_series works from the rents a selector loaded, with no query, and follows
    them: a rent changed, other rents loaded, or one added to those loaded."""
    loaded = selectors.tenancy_balances(JUL)[0].tenancy
    with django_assert_num_queries(0):  # April to July at 200
        assert loaded.rent_due(JUL) == loaded.rent_due(JUL) == D("800.00")
    services.rent_change(tenancy=loaded, from_month=JUN, amount=D("300"), user=collector, today=MAY)
    assert loaded.rent_in(JUN) == D("300") and loaded.rent_due(JUL) == D("1000.00")
    again = selectors.tenancy_balances(JUL)[0].tenancy
    again.rent_in(JUL)
    again.loaded_rents = [rent for rent in again.loaded_rents if rent.from_month < JUN]
    assert again.rent_in(JUL) == D("200")
    again.loaded_rents.append(RentChange(tenancy=again, from_month=JUL, amount=D("450")))
    assert again.rent_in(JUL) == D("450") and again.rent_in(JUN) == D("200")


def test_raising_a_rent_changes_no_earlier_day_and_no_month_an_earlier_receipt_paid(collector, tenancy, letter):
    today = datetime.date(2022, 6, 10)
    posted = [
        make_receipt(collector, tenancy, "1150", date=datetime.date(2022, 4, 5)),
        make_receipt(collector, tenancy, "250", date=datetime.date(2022, 5, 20)),
        make_receipt(collector, tenancy, "120", date=datetime.date(2022, 6, 3)),
    ]
    make_void(posted[1], on=datetime.date(2022, 6, 2))
    days = [RENT_OPENING_ON + datetime.timedelta(days=n) for n in range((today - RENT_OPENING_ON).days + 1)]
    before_june = [day for day in days if day < JUN]

    def covers(tenancy):
        """The months each receipt would be found to pay, were it posted again after those before it."""
        tenancy = Tenancy.objects.get(pk=tenancy.pk)
        found, paid = [], D("0")
        for receipt in posted:  # each was posted before the void: the receipts before it all counted
            cover = selectors.payment_cover(tenancy, day=receipt.date, amount=receipt.amount, paid_before=paid)
            found.append((cover.covers_from, cover.covers_to))
            paid += receipt.amount
        return found

    balances = {day: selectors.tenancy_balance(tenancy, day).balance for day in days}
    found = covers(tenancy)
    stored = [(r.covers_from, r.covers_to) for r in posted]
    assert found == stored
    june_statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 5, 31))

    services.rent_change(tenancy=tenancy, from_month=today, amount=D("500"), user=collector, today=today)
    assert {day: selectors.tenancy_balance(tenancy, day).balance for day in before_june} == {
        day: balances[day] for day in before_june
    }
    assert covers(tenancy) == found
    assert [(r.covers_from, r.covers_to) for r in Receipt.objects.order_by("date")] == stored
    again = selectors.tenancy_statement(tenancy, datetime.date(2022, 5, 31))
    assert [(line.date, line.charge, line.payment, line.balance) for line in again.lines] == [
        (line.date, line.charge, line.payment, line.balance) for line in june_statement.lines
    ]
    # From June on, the new rent.
    assert selectors.tenancy_balance(tenancy, today).balance == balances[today] + D("300")


def test_a_rent_changes_only_from_the_current_month_on(collector, tenancy, letter):
    today = datetime.date(2022, 6, 15)
    with pytest.raises(ValidationError) as error:
        services.rent_change(tenancy=tenancy, from_month=MAY, amount=D("300"), user=collector, today=today)
    assert "from_month" in error.value.message_dict and "2565" in error.value.message_dict["from_month"][0]
    for amount in (D("0"), D("-1"), D("300.001")):
        with pytest.raises(ValidationError) as error:
            services.rent_change(tenancy=tenancy, from_month=JUL, amount=amount, user=collector, today=today)
        assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # the rent it already has
        services.rent_change(tenancy=tenancy, from_month=JUL, amount=D("200"), user=collector, today=today)
    assert "อยู่แล้ว" in error.value.message_dict["amount"][0]
    assert rents(tenancy) == [(datetime.date(2012, 1, 1), D("200"))]


def test_a_rent_typed_wrong_for_a_month_to_come_is_typed_again(collector, tenancy):
    today = datetime.date(2022, 6, 15)
    services.rent_change(tenancy=tenancy, from_month=JUL, amount=D("3000"), user=collector, today=today)
    services.rent_change(tenancy=tenancy, from_month=JUL, amount=D("300"), user=collector, today=today)
    assert rents(tenancy) == [(datetime.date(2012, 1, 1), D("200")), (JUL, D("300"))]
    history = RentChange.objects.get(tenancy=tenancy, from_month=JUL).history.order_by("history_date")
    assert [h.amount for h in history] == [D("3000"), D("300")]


def test_a_tenancy_ends_no_rent_falls_due_after_and_its_arrears_stay_owed(collector, tenancy, letter):
    today = datetime.date(2022, 6, 20)
    services.tenancy_end(
        tenancy=tenancy, ended_on=datetime.date(2022, 6, 5), reason="ย้ายออก", user=collector, today=today
    )
    tenancy = Tenancy.objects.get(pk=tenancy.pk)
    # April, May and June (due on the 1st, before the end); nothing after.
    for day in (datetime.date(2022, 6, 30), datetime.date(2022, 12, 31), datetime.date(2030, 1, 1)):
        assert selectors.tenancy_balance(tenancy, day).rent_due == D("600")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 12, 31)).arrears == D("1600")
    # The arrears are still collected, but nothing beyond them.
    make_receipt(collector, tenancy, "600", date=datetime.date(2022, 6, 25))
    with pytest.raises(ValidationError) as error:
        make_receipt(collector, tenancy, "1001", date=datetime.date(2022, 6, 26), accept_advance=True)
    assert "ล่วงหน้าไม่ได้" in error.value.message_dict["amount"][0] and Receipt.objects.count() == 1
    make_receipt(collector, tenancy, "1000", date=datetime.date(2022, 6, 26))
    assert selectors.tenancy_balance(tenancy, datetime.date(2023, 6, 1)).balance == 0
    # Its rent no longer changes, and it ends once.
    with pytest.raises(ValidationError):
        services.rent_change(tenancy=tenancy, from_month=JUL, amount=D("300"), user=collector, today=today)
    with pytest.raises(ValidationError):
        services.tenancy_end(tenancy=tenancy, ended_on=today, reason="อีกครั้ง", user=collector, today=today)
    statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 12, 31))
    assert [line.kind for line in statement.lines].count("end") == 1


@pytest.mark.parametrize(
    "ended_on, reason, field",
    [
        (datetime.date(2022, 6, 21), "ย้ายออก", "ended_on"),  # tomorrow
        (datetime.date(2022, 5, 31), "ย้ายออก", "ended_on"),  # a month whose rent fell due
        (datetime.date(2022, 6, 10), "  ", "reason"),
    ],
)
def test_an_end_that_would_rewrite_a_month_or_says_no_reason_is_refused(collector, tenancy, ended_on, reason, field):
    with pytest.raises(ValidationError) as error:
        services.tenancy_end(
            tenancy=tenancy, ended_on=ended_on, reason=reason, user=collector, today=datetime.date(2022, 6, 20)
        )
    assert field in error.value.message_dict
    assert Tenancy.objects.get(pk=tenancy.pk).ended_on is None


def test_an_end_before_the_opening_arrears_is_refused(collector, railway_a):
    tenancy = make_tenancy(railway_a, opening_on=datetime.date(2022, 6, 15))
    with pytest.raises(ValidationError) as error:
        services.tenancy_end(
            tenancy=tenancy, ended_on=JUN, reason="ย้ายออก", user=collector, today=datetime.date(2022, 6, 20)
        )
    assert "ended_on" in error.value.message_dict


# On the tenancy's page.

TODAY = timezone.localdate()
THIS_MONTH, NEXT_MONTH, LAST_MONTH = (
    month_start(TODAY),
    add_months(month_start(TODAY), 1),
    add_months(month_start(TODAY), -1),
)


@pytest.fixture
def household(railway_a):
    return make_tenancy(railway_a, opening_on=TODAY - datetime.timedelta(days=400))


def month_data(month, amount):
    return {"from_month_0": str(month.month), "from_month_1": str(month.year + 543), "amount": amount}


def test_a_leader_changes_the_rent_from_next_month_on_the_tenancys_page(personas, household):
    page = personas["leader"].get(reverse("rent:tenancy", args=[household.pk]))
    assert page.status_code == 200 and page.context["rent_form"] is not None
    assert_no_english(page)
    response = personas["leader"].post(reverse("rent:rent_change", args=[household.pk]), month_data(NEXT_MONTH, "๓๕๐"))
    assert response.status_code == 302 and response["Location"] == reverse("rent:tenancy", args=[household.pk])
    assert rents(household)[-1] == (NEXT_MONTH, D("350.00"))
    page = personas["leader"].get(reverse("rent:tenancy", args=[household.pk]))
    assert "350.00" in page.content.decode()
    assert_no_english(page)


@pytest.mark.parametrize(
    "data, field",
    [
        (month_data(LAST_MONTH, "350"), "from_month"),
        (month_data(NEXT_MONTH, "0"), "amount"),
        (month_data(NEXT_MONTH, "สามร้อย"), "amount"),
        (month_data(NEXT_MONTH, "200"), "amount"),  # the rent it already has
        ({"from_month_0": "13", "from_month_1": "25x", "amount": "350"}, "from_month"),
    ],
)
def test_a_wrong_rent_change_is_refused_beside_its_field(personas, household, data, field):
    response = personas["leader"].post(reverse("rent:rent_change", args=[household.pk]), data)
    assert response.status_code == 200 and response.context["rent_form"].errors[field]
    assert_no_english(response)
    assert rents(household) == [(datetime.date(2012, 1, 1), D("200.00"))]


def test_a_leader_records_the_end_of_a_tenancy_on_its_page(personas, household):
    url = reverse("rent:tenancy_end", args=[household.pk])
    refused = personas["leader"].post(url, {"ended_on": be_day(LAST_MONTH), "reason": "ย้ายออก"})
    assert refused.status_code == 200 and refused.context["end_form"].errors["ended_on"]
    assert_no_english(refused)
    response = personas["leader"].post(url, {"ended_on": be_day(TODAY), "reason": "ย้ายไปอยู่กับลูก"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.ended_on, household.end_reason) == (TODAY, "ย้ายไปอยู่กับลูก")
    page = personas["leader"].get(reverse("rent:tenancy", args=[household.pk]))
    assert page.context["rent_form"] is None and "ย้ายไปอยู่กับลูก" in page.content.decode()
    assert_no_english(page)


@pytest.mark.parametrize("persona, status", [("staff", 403), ("collector", 403), ("treasurer_a", 403)])
def test_only_leaders_change_a_rent_or_end_a_tenancy(personas, collector, railway_a, household, persona, status):
    make_letter([(collector, [railway_a])], valid_from=TODAY - datetime.timedelta(days=30), valid_to=TODAY)
    client = personas[persona]
    assert (
        client.post(reverse("rent:rent_change", args=[household.pk]), month_data(NEXT_MONTH, "350")).status_code
        == status
    )
    assert (
        client.post(
            reverse("rent:tenancy_end", args=[household.pk]), {"ended_on": be_day(TODAY), "reason": "x"}
        ).status_code
        == status
    )
    assert personas["leader"].get(reverse("rent:rent_change", args=[household.pk])).status_code == 405
    assert len(rents(household)) == 1 and Tenancy.objects.get(pk=household.pk).ended_on is None
    if persona != "treasurer_a":
        assert client.get(reverse("rent:tenancy", args=[household.pk])).context["rent_form"] is None


# The admin.


def admin_data(tenancy, **changes):
    """The tenancy's admin change form as a browser sends it back, with `changes`."""
    [rent] = RentChange.objects.filter(tenancy=tenancy)
    data = {
        "contract_number": tenancy.contract_number,
        "community": tenancy.community_id,
        "plot": tenancy.plot,
        "tenant": tenancy.tenant_id,
        "start_date": be_day(tenancy.start_date),
        "opening_balance": str(tenancy.opening_balance),
        "opening_on": be_day(tenancy.opening_on),
        "opening_source": tenancy.opening_source,
        "note": "",
        "rents-TOTAL_FORMS": "1",
        "rents-INITIAL_FORMS": "1",
        "rents-MIN_NUM_FORMS": "1",
        "rents-MAX_NUM_FORMS": "1000",
        "rents-0-id": rent.pk,
        "rents-0-tenancy": tenancy.pk,
        "rents-0-from_month_0": str(rent.from_month.month),
        "rents-0-from_month_1": str(rent.from_month.year + 543),
        "rents-0-amount": str(rent.amount),
    }
    return data | changes


CHANGES = {
    "opening_balance": "5",
    "opening_on": "1/1/2565",
    "start_date": "1/1/2565",
    "rents-0-amount": "999",
    "rents-0-from_month_0": "5",
}


def test_the_admin_keeps_rent_and_opening_arrears_fixed_once_a_receipt_exists(personas, collector, tenancy, letter):
    make_receipt(collector, tenancy, "300")
    url = reverse("admin:rent_collection_tenancy_change", args=[tenancy.pk])
    page = personas["leader"].get(url)
    assert page.status_code == 200 and reverse("rent:tenancy", args=[tenancy.pk]) in page.content.decode()
    assert_no_english(page)
    form = page.context["adminform"].form
    assert not {"opening_balance", "opening_on", "start_date", "ended_on", "end_reason"} & set(form.fields)
    before = (Tenancy.objects.filter(pk=tenancy.pk).values().get(), rents(tenancy))
    response = personas["leader"].post(url, admin_data(tenancy, note="ย้ายบ้านเลขที่", **CHANGES))
    assert response.status_code == 302
    after = Tenancy.objects.filter(pk=tenancy.pk).values().get()
    assert (after | {"note": ""}, rents(tenancy)) == before  # only the note was written
    assert after["note"] == "ย้ายบ้านเลขที่"


def test_before_any_receipt_the_admin_corrects_the_rent_and_opening_arrears(personas, tenancy):
    url = reverse("admin:rent_collection_tenancy_change", args=[tenancy.pk])
    response = personas["leader"].post(url, admin_data(tenancy, opening_balance="900", **{"rents-0-amount": "150"}))
    assert response.status_code == 302
    tenancy.refresh_from_db()
    assert tenancy.opening_balance == D("900") and rents(tenancy) == [(datetime.date(2012, 1, 1), D("150"))]


def test_the_admin_adds_a_tenancy_only_with_its_rent(personas, railway_a, group_a):
    tenant = group_a.members.first().person
    data = {
        "contract_number": "รฟท. 9",
        "community": railway_a.pk,
        "plot": "9/9",
        "tenant": tenant.pk,
        "start_date": "1/1/2555",
        "opening_balance": "0",
        "opening_on": "31/3/2565",
        "opening_source": "หนังสือ พอช.",
        "note": "",
        "rents-TOTAL_FORMS": "1",
        "rents-INITIAL_FORMS": "0",
        "rents-MIN_NUM_FORMS": "1",
        "rents-MAX_NUM_FORMS": "1000",
    }
    url = reverse("admin:rent_collection_tenancy_add")
    refused = personas["leader"].post(url, data)
    assert refused.status_code == 200 and not Tenancy.objects.exists()
    assert_no_english(refused)
    added = personas["leader"].post(
        url, data | {"rents-0-from_month_0": "1", "rents-0-from_month_1": "2555", "rents-0-amount": "180"}
    )
    assert added.status_code == 302
    assert rents(Tenancy.objects.get()) == [(datetime.date(2012, 1, 1), D("180"))]


# The rent due on many days at once (the month-by-month tables) against the rents month by month.

A_MONTH = st.integers(min_value=0, max_value=47).map(lambda k: add_months(datetime.date(2021, 1, 1), k))
A_DAY = st.builds(lambda month, day: month.replace(day=day), A_MONTH, st.integers(min_value=1, max_value=28))


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(
    opening_on=A_DAY,
    start_later=st.integers(min_value=0, max_value=60),
    ends_after=st.none() | st.integers(min_value=0, max_value=900),
    changes=st.lists(st.tuples(A_MONTH, st.integers(min_value=0, max_value=90_000)), min_size=1, max_size=4),
    days=st.lists(A_DAY, max_size=15),
)
def test_the_rent_due_on_many_days_is_each_months_rent_in_force_added_up(
    opening_on, start_later, ends_after, changes, days
):
    """No database: an unsaved tenancy with its rents loaded. Rents of any months (out of order,
    before the opening, two from one month), a contract starting after the opening arrears, an end,
    days in any order and before anything fell due."""
    tenancy = Tenancy(
        opening_on=opening_on,
        start_date=opening_on + datetime.timedelta(days=start_later),
        ended_on=None if ends_after is None else opening_on + datetime.timedelta(days=ends_after),
    )
    tenancy.loaded_rents = [RentChange(from_month=month, amount=D(satang) / 100) for month, satang in changes]
    first = tenancy.first_due_month
    month_by_month = [sum((rent for _month, rent in tenancy.rents_due(first, day)), D("0.00")) for day in days]
    assert tenancy.rents_due_by(days) == month_by_month
    assert [tenancy.rent_due(day) for day in days] == month_by_month
