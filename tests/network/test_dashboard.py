"""The home page of leaders and staff: the network at a glance, every figure the same as on the
page behind it, in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprise import selectors as enterprise_selectors
from enterprise import services as enterprise_services
from enterprise.models import BuyingRound, Donation
from groups import services as groups_services
from groups.models import GroupStatus, SavingsGroup
from groups.selectors import Portfolio, annotate_overview, loan_portfolio, network_money, welfare_paid
from housing.models import Household, Proposal
from rent_collection import selectors as rent_selectors
from rent_collection import services as rent_services
from rent_collection.models import Receipt
from songkhla_network.models import User
from songkhla_network.thai import add_months, format_baht, month_start
from tests.factories import client_for, make_group, make_letter, make_loan, make_tenancy, make_welfare, survey
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

# Five with the loans outstanding and PAR30 (groups.selectors.loan_portfolios: the last loan row and
# rescheduling, the key of what the cache keeps; then the loans, their rows and their
# reschedulings), two more with the welfare paid and the names of the groups with loans.
MAX_QUERIES = 32


@pytest.fixture
def demo(settings):
    """The demo network of `seed_demo`, with its logins; returns the demo leader."""
    settings.DEMO = True
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)
    return User.objects.get(username="leader")


def test_leaders_and_staff_start_on_the_dashboard(personas):
    for persona in ("leader", "staff"):
        response = personas[persona].get(reverse("home"))
        assert response.status_code == 200
        assert "network/dashboard.jinja" in [t.name for t in response.templates]


def test_a_treasurer_lands_on_their_own_group(personas, group_a):
    response = personas["treasurer_a"].get(reverse("home"), follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("groups:detail", args=[group_a.pk])
    assert "dashboard" not in response.context


def test_a_collector_lands_on_their_communities_arrears(personas):
    response = personas["collector"].get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("rent:overview")


def test_an_anonymous_visitor_is_sent_to_sign_in(personas):
    response = personas["anonymous"].get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_network_with_no_records_shows_zeros(client, leader):
    client.force_login(leader)
    response = client.get(reverse("home"))
    data = response.context["dashboard"]
    assert response.status_code == 200
    assert [n for _status, _label, n in data.groups_by_status] == [0, 0, 0, 0]
    assert (data.savings.members, data.savings.balance, data.enterprise.cash) == (0, Decimal("0.00"), Decimal("0.00"))
    assert (data.housing.households, data.households_proposed, data.rent.arrears.total.arrears, data.in_hand) == (
        0,
        0,
        0,
        0,
    )
    assert data.rent_chart is None and data.oldest_waiting_days is None


def test_the_savings_figures_are_those_of_the_groups_pages(client, demo):
    client.force_login(demo)
    data = client.get(reverse("home")).context["dashboard"]
    statuses = {status: n for status, _label, n in data.groups_by_status}
    assert statuses == {GroupStatus.FOUNDED: 16, GroupStatus.REVIVED: 1, GroupStatus.FORMING: 6, GroupStatus.DORMANT: 0}
    assert data.active_groups == 17
    groups = annotate_overview(list(SavingsGroup.objects.all()))  # what the group list shows
    assert data.savings.members == sum(g.member_count for g in groups) > 0
    this_month = month_start(timezone.localdate())
    assert data.savings.balance == sum(g.balance for g in groups) == network_money(this_month, this_month).closing > 0
    months = [month for month, _amount in data.savings.by_month]
    assert months == [add_months(this_month, k) for k in range(-11, 1)]
    for month, amount in data.savings.by_month:
        # Saved for the month (the demo pays at each month's meeting): money in by payment date
        # also holds a year-end's shares added to savings, which are no saving for a month.
        assert amount == network_money(month, month).saved_for_months
    bars = [bar["value"] for group in data.deposits_chart.groups for bar in group["bars"]]
    assert bars == [amount for _month, amount in data.savings.by_month]


def test_the_enterprise_housing_and_rent_figures_are_those_of_their_pages(client, demo):
    client.force_login(demo)
    response = client.get(reverse("home"))
    data, today = response.context["dashboard"], timezone.localdate()

    assert data.enterprise.cash == enterprise_selectors.cash_balance() > 0
    picked_up = BuyingRound.objects.filter(pickup_on__lte=today)
    assert (
        data.enterprise.members_saved
        == sum(bill.saved for r in picked_up for bill in enterprise_selectors.bills(r))
        > 0
    )
    levy = network_money(datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)).levy
    assert data.enterprise.capital_in == Donation.objects.get().amount + levy == Decimal("5000.00") + levy
    goods = sum(row["value"] for row in enterprise_selectors.stock_levels(today))
    materials = sum(row["value"] for row in enterprise_selectors.material_levels())
    assert data.enterprise.stock_value >= goods + materials > 0

    assert data.housing.households == Household.objects.count() == 150
    assert {step: n for step, _label, n in data.housing.by_status} == {"surveyed": 90, "proposed": 60}
    assert (data.households_proposed, data.proposals) == (Proposal.objects.get().households.count(), 1) == (60, 1)

    assert data.rent.arrears.total.arrears == rent_selectors.arrears_summary(today).total.arrears > 0
    first_month = add_months(month_start(today), -11)
    collected = Receipt.objects.filter(void__isnull=True, date__range=(first_month, today)).values_list(
        "amount", flat=True
    )
    assert data.rent.collected == sum(collected) > 0
    cash = rent_selectors.cash_in_hand(today)
    assert data.in_hand == sum(row.in_hand for row in cash) > 0
    oldest = Receipt.objects.filter(void__isnull=True, remittance_line__isnull=True).order_by("date").first().date
    assert data.oldest_waiting_days == (today - oldest).days
    assert (
        [letter.number for letter in data.letters_expiring]
        == [letter.number for letter in rent_selectors.letters_expiring(today)]
        != []
    )
    assert data.rent_chart is not None

    page = response.content.decode()
    for amount in (data.savings.balance, data.enterprise.cash, data.rent.arrears.total.arrears, data.in_hand):
        assert format_baht(amount) in page
    for name in (
        "groups:summary",
        "groups:list",
        "enterprise:overview",
        "housing:list",
        "rent:overview",
        "rent:progress",
    ):
        assert f'href="{reverse(name)}"' in page


def test_the_dashboard_is_thai(client, demo):
    client.force_login(demo)
    assert_no_english(client.get(reverse("home")))


def test_staff_see_the_same_dashboard(demo):
    leader_view = client_for(demo).get(reverse("home")).context["dashboard"]
    staff_view = client_for(User.objects.get(username="staff")).get(reverse("home")).context["dashboard"]
    assert leader_view == staff_view


def _queries(client):
    cache.clear()  # the loans' figures worked out, not read from the cache: the dearer reading
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_the_dashboard_takes_as_many_queries_for_a_bigger_network(client, demo, django_assert_max_num_queries):
    client.force_login(demo)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse("home"))
    before = _queries(client)

    today = timezone.localdate()
    collector = User.objects.get(username="collector")
    last_month = add_months(month_start(today), -1)
    for k in range(3):
        group = make_group(f"กลุ่มเพิ่ม{k}", f"ชุมชนเพิ่ม{k}", members=6, founded_on=add_months(last_month, -1))
        for member in group.members.all():
            groups_services.deposit_post(
                member=member, month=last_month, date=last_month, amount=Decimal("100.00"), user=demo
            )
        for n in range(4):
            survey(group.community, demo, first_name=f"ผู้สำรวจ{k}{n}")
        tenancies = [make_tenancy(group.community) for _n in range(3)]
        # A letter about to expire: the dashboard lists it, with whom it names.
        week = datetime.timedelta(days=7)
        make_letter([(collector, [group.community])], valid_from=today - 4 * week, valid_to=today + week)
        for tenancy in tenancies:
            rent_services.receipt_post(
                collector=collector, tenancy=tenancy, date=today, amount=Decimal("200.00"), user=collector, today=today
            )
    enterprise_services.donation_post(
        donor="ผู้ใจบุญ", donor_detail="", date=today, amount=Decimal("1000.00"), purpose="", user=demo
    )

    assert _queries(client) == before <= MAX_QUERIES


# The groups' funds: welfare paid, loans and PAR30 by group.


def _day(months_ago, today):
    """The 5th of the month `months_ago` months before today's."""
    return add_months(month_start(today), -months_ago).replace(day=5)


def test_welfare_paid_since_the_charts_first_month_is_counted_and_earlier_is_not(client, leader, group_a):
    today = timezone.localdate()
    first = add_months(month_start(today), -11)
    one, two = group_a.members.order_by("number")[:2]
    make_welfare(one, "500", first - datetime.timedelta(days=1), user=leader)  # the day before: not counted
    make_welfare(one, "1000", first, user=leader)
    make_welfare(two, "300", today, user=leader)
    paid_twice = make_welfare(two, "200", today, user=leader)
    make_welfare(two, None, today, user=leader, reverses=paid_twice)  # netted
    client.force_login(leader)
    response = client.get(reverse("home"))
    data = response.context["dashboard"]
    assert data.funds.welfare_paid == welfare_paid(first, today) == Decimal("1300.00")
    assert 'id="dash-welfare">1,300.00<' in response.content.decode()


def test_par30_by_group_is_each_groups_own_portfolio_the_most_late_first(client, leader, group_a, group_b):
    """Group A: a loan repaid on time and one never repaid (more than 30 days late); group B: a
    loan paid out last month, its first instalment not yet due. Each group's row is what
    loan_portfolio says of that group alone; the network's figure adds them up."""
    today = timezone.localdate()
    one, two = group_a.members.order_by("number")[:2]
    make_loan(one, "400", paid_out_on=_day(4, today), repaid_on=[_day(k, today) for k in (3, 2, 1)], user=leader)
    make_loan(two, "600", paid_out_on=_day(4, today), user=leader)
    make_loan(group_b.members.first(), "1000", paid_out_on=_day(1, today), user=leader)
    make_group("กลุ่มไม่กู้", "ชุมชนไม่กู้")  # no loans: not in the table
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert_no_english(response)
    data = response.context["dashboard"]

    rows = {row.group: row.loans for row in data.funds.by_group}
    assert rows == {group: loan_portfolio(today, [group]) for group in (group_a, group_b)}
    assert (rows[group_a].outstanding, rows[group_a].at_risk, rows[group_a].par30) == (
        Decimal("700.00"),
        Decimal("600.00"),
        Decimal("85.71"),
    )
    assert (rows[group_b].outstanding, rows[group_b].par30) == (Decimal("1000.00"), Decimal("0.00"))
    assert data.loans == Portfolio.added_up(today, rows.values()) == loan_portfolio(today)
    assert data.loans.par30 == Decimal("35.29")

    table = response.content.decode().split('id="dash-loans-by-group"')[1].split("</table>")[0]
    assert table.index(group_a.name) < table.index(group_b.name) and "กลุ่มไม่กู้" not in table
    assert "700.00" in table and "85.71</td>" in table and "1,000.00" in table
    assert "0.00</td></tr>" in table  # group B's PAR30, to two decimals as group A's
    assert f'href="{reverse("groups:loans", args=[group_a.pk])}"' in table


def test_the_funds_take_as_many_queries_for_more_groups_loans_and_payouts(client, leader, group_a):
    today = timezone.localdate()
    member = group_a.members.first()
    make_loan(member, "400", paid_out_on=_day(2, today), user=leader)
    make_welfare(member, "100", today, user=leader)
    client.force_login(leader)
    before = _queries(client)
    for k in range(3):
        group = make_group(f"กลุ่มกู้{k}", f"ชุมชนกู้{k}", members=4)
        for number, member in enumerate(group.members.all()):
            make_loan(member, "800", paid_out_on=_day(3, today), repaid_on=[_day(2, today)][:number], user=leader)
            make_welfare(member, "100", today, user=leader)
    assert len(client.get(reverse("home")).context["dashboard"].funds.by_group) == 4
    assert _queries(client) == before <= MAX_QUERIES
