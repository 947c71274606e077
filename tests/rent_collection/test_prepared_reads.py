"""The network's rent as the dashboard and the CODI report read it (rent_section, cash_in_hand),
through statements put together once and reads written out (songkhla_network.sql), gives exactly
what the ORM's reads give: the balances, the arrears and the months of `tenancy_balances`,
`arrears_summary` and `progress_by_month` called the generic way, and the collectors' cash of the
same sums read through the ORM; on days before any tenancy, between a receipt and its void, after
a rent is raised, a tenancy has ended and a new community has its first household. Its queries do
not grow with the households."""

import datetime
from decimal import Decimal

import pytest

from network.sections import rent_section
from rent_collection import selectors, services
from rent_collection.models import Tenancy
from songkhla_network.models import Community
from songkhla_network.thai import add_months, month_end, month_start
from tests.factories import make_letter, make_receipt, make_remittance, make_tenancy, make_void

pytestmark = pytest.mark.django_db

D = Decimal
MAY, JUN, AUG = datetime.date(2022, 5, 1), datetime.date(2022, 6, 1), datetime.date(2022, 8, 1)
DAYS = [
    datetime.date(2022, 1, 15),  # before any tenancy
    datetime.date(2022, 3, 31),  # the first households' opening day
    datetime.date(2022, 4, 10),  # a receipt, later voided
    datetime.date(2022, 5, 2),  # the void
    datetime.date(2022, 5, 31),
    datetime.date(2022, 7, 19),  # the day before community ค's first household
    datetime.date(2022, 7, 20),
    datetime.date(2022, 8, 10),  # a tenancy ends
    datetime.date(2022, 9, 30),
    datetime.date(2023, 2, 14),
]


def receive(collector, tenancy, amount, day):
    """The collector's receipt for `amount` baht, posted on its day (ahead of what is owed if so)."""
    return make_receipt(collector, tenancy, amount, day, today=day, accept_advance=True)


def remit(collector, receipts, day):
    return make_remittance(collector, receipts, day, reference=f"KTB-{day:%m%d}-{collector.pk}", today=day)


@pytest.fixture
def history(collector, leader, railway_a, railway_b):
    """Three communities, five households (rents raised, one ended, one opened mid-month, one
    paid ahead), receipts by two collectors, voids in and after the receipt's month, remittances."""
    railway_c = Community.objects.create(name="ริมรางรถไฟ ค")
    make_letter([(collector, [railway_a, railway_c]), (leader, [railway_b])])
    first = make_tenancy(railway_a, rent="200", opening="1000")
    second = make_tenancy(railway_a, rent="150", opening="300", opening_on=datetime.date(2022, 5, 15))
    third = make_tenancy(railway_b, rent="300", opening="0")
    ahead = make_tenancy(railway_b, rent="100", opening="50")
    later = make_tenancy(railway_c, rent="250", opening="700", opening_on=datetime.date(2022, 7, 20))
    services.rent_change(tenancy=first, from_month=JUN, amount=D("250"), user=leader, today=MAY)
    services.rent_change(tenancy=first, from_month=datetime.date(2022, 9, 1), amount=D("300"), user=leader, today=AUG)
    services.rent_change(tenancy=third, from_month=JUN, amount=D("350"), user=leader, today=MAY)

    kept = receive(collector, first, "400", datetime.date(2022, 4, 5))
    make_void(receive(collector, first, "40", datetime.date(2022, 4, 10)), on=datetime.date(2022, 5, 2))
    remit(collector, [kept], datetime.date(2022, 4, 20))
    make_void(receive(collector, first, "250", datetime.date(2022, 6, 3)), on=datetime.date(2022, 6, 4))
    june = receive(collector, first, "250", datetime.date(2022, 6, 5))
    receive(collector, second, "300", datetime.date(2022, 5, 31))
    receive(collector, second, "150", datetime.date(2022, 7, 1))
    remit(collector, [june], datetime.date(2022, 7, 2))
    receive(leader, ahead, "1250", datetime.date(2022, 4, 12))
    for day in (datetime.date(2022, 4, 30), datetime.date(2022, 6, 30), datetime.date(2022, 8, 9)):
        receive(leader, third, "300", day)
    remit(leader, list(selectors.unremitted_receipts(leader).filter(date__lte=JUN)), datetime.date(2022, 6, 1))
    receive(collector, later, "500", datetime.date(2022, 7, 25))
    ended = datetime.date(2022, 8, 10)
    services.tenancy_end(tenancy=third, ended_on=ended, reason="ย้ายออก", user=leader, today=ended)
    return railway_a, railway_b, railway_c


def generic(first, last):
    """rent_section's balances and months read the generic way, through the ORM, as it read them
    before its reads were put together once."""
    recorded = Tenancy.objects.filter(opening_on__lte=last).values("community")
    balances = selectors.tenancy_balances(
        last, tenancies=Tenancy.objects.filter(opening_on__lte=month_end(last)), communities=recorded
    )
    return balances, selectors.progress_by_month(first, last, communities=recorded)


def fields(instance):
    """An instance's fields as read, without what the ORM and the figures keep beside them."""
    return {
        name: value
        for name, value in instance.__dict__.items()
        if name not in ("_state", "paid", "loaded_rents", "_rent_series")
    }


def read(balance):
    """All a balance holds: its tenancy with tenant, community and rents, as read, and its figures."""
    tenancy = balance.tenancy
    return (
        fields(tenancy),
        fields(tenancy.tenant),
        fields(tenancy.community),
        [fields(rent) for rent in tenancy.rent_rows()],
        balance.day,
        repr((balance.paid, balance.rent_due, balance.balance, balance.arrears, balance.credit)),
    )


def test_the_rent_sections_reads_give_what_the_orm_reads_give(history):
    for last in DAYS:
        first = add_months(month_start(last), -4)
        balances, progress = selectors.network_balances_and_progress(first, last)
        expected_balances, expected = generic(first, last)
        assert [read(b) for b in balances] == [read(b) for b in expected_balances]
        assert repr(progress) == repr(expected)

        section = rent_section(first, last)
        assert section.arrears == selectors.arrears_summary(last)
        assert repr(section.arrears) == repr(selectors.arrears_of(last, expected_balances))
        assert repr(section.months) == repr(expected.total)


def test_the_days_see_the_history(history):
    """None before the first household; the new community from its first household on; the
    voids, the advance and the arrears."""
    railway_a, railway_b, railway_c = history
    january = DAYS[0]
    assert selectors.network_balances_and_progress(january, january) == (
        [],
        selectors.progress_by_month(january, january),
    )
    assert rent_section(january, january).arrears.total.tenancies == 0
    before = rent_section(datetime.date(2022, 7, 1), datetime.date(2022, 7, 19))
    assert [row.community for row in before.arrears.communities] == [railway_a, railway_b]
    after = rent_section(datetime.date(2022, 7, 1), datetime.date(2022, 7, 20))
    assert [row.community for row in after.arrears.communities] == [railway_a, railway_b, railway_c]
    total = rent_section(datetime.date(2022, 4, 1), datetime.date(2023, 2, 14)).arrears.total
    assert total.tenancies == 5
    assert total.credit > 0
    assert total.arrears > 0
    months = rent_section(datetime.date(2022, 4, 1), datetime.date(2022, 6, 30)).months
    assert [m.voided for m in months] == [D("0.00"), D("40.00"), D("250.00")]


def test_cash_in_hand_is_the_sums_the_orm_gives(history, collector, leader):
    for day in DAYS:
        rows = selectors._CASH_BY_COLLECTOR.rows(day)
        assert repr(rows) == repr(list(selectors._cash_by_collector(day)))
        by_collector = {row["collector"]: row for row in rows}
        cash = selectors.cash_in_hand(day)
        assert {row.collector.pk for row in cash} == set(by_collector)
        for row in cash:
            sums = by_collector[row.collector.pk]
            assert (row.collected, row.remitted, row.unremitted_receipts, row.oldest_unremitted) == (
                (sums["received"] or 0) - (sums["voided"] or 0),
                sums["remitted"] or 0,
                sums["waiting"],
                sums["oldest"],
            )
    assert selectors.cash_in_hand(DAYS[0]) == []
    in_hand = {row.collector: row.in_hand for row in selectors.cash_in_hand(datetime.date(2022, 5, 2))}
    assert in_hand == {collector: D("0.00"), leader: D("1550.00")}


def test_the_prepared_sums_are_those_of_the_orm(history):
    for last in DAYS:
        end = month_end(last)
        assert repr(selectors._NETWORK_PAID.rows(last, end)) == repr(list(selectors._network_paid(last, end)))
        assert repr(selectors._NETWORK_SUMS.rows(last, end)) == repr(list(selectors._network_sums(last, end)))


def test_a_datetime_is_no_day(history):
    with pytest.raises(TypeError):
        selectors.cash_in_hand(datetime.datetime(2022, 5, 2, 12))
    with pytest.raises(TypeError):
        rent_section(datetime.date(2022, 4, 1), datetime.datetime(2022, 5, 2, 12))


def test_the_rent_section_takes_as_many_queries_however_many_households(
    collector, leader, railway_a, railway_b, django_assert_max_num_queries, django_assert_num_queries
):
    first, last = datetime.date(2022, 4, 1), datetime.date(2022, 9, 30)
    with django_assert_num_queries(1):  # no household: nothing more to read
        rent_section(first, last)
    make_letter([(collector, [railway_a]), (leader, [railway_b])])
    make_receipt(collector, make_tenancy(railway_a), "100")
    with django_assert_max_num_queries(4):
        rent_section(first, last)
    for k in range(10):
        tenancy = make_tenancy(railway_a if k % 2 else railway_b)
        user = collector if k % 2 else leader
        services.rent_change(tenancy=tenancy, from_month=JUN, amount=D("300"), user=leader, today=MAY)
        make_receipt(user, tenancy, "100")
        make_void(make_receipt(user, tenancy, "1"), on=datetime.date(2022, 5, 5))
    with django_assert_max_num_queries(4):
        section = rent_section(first, last)
    assert section.arrears.total.tenancies == 11
    with django_assert_max_num_queries(2):
        assert len(selectors.cash_in_hand(last)) == 2
