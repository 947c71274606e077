"""The group's costs and welfare on a phone (390 px), issue 17: the treasurer opens the group's fund
from the group's page, records a cost (first without saying what for: refused beside the box),
then pays a member's funeral welfare (first approved by the member themself: refused beside the
officer), and the fund's page agrees with groups.selectors.group_fund: less cash, a smaller
welfare fund and profit, the identity ticked, both payments listed.

The welfare fund is filled by a year-end, made here directly (the year-end's own service is
tested elsewhere). Selectors use ids, hrefs and data attributes, never wording. SHOTS_DIR saves
screenshots."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import selectors, services
from groups.models import FundEntry, GroupRules, Officer, ShareOut, YearEnd
from songkhla_network.models import Role
from songkhla_network.thai import add_months, month_end, month_start
from tests.factories import be_day, make_group, make_user
from tests.helpers import ALLOCATION, IS_INVALID, money, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)


def test_a_treasurer_records_a_cost_and_pays_welfare_on_a_phone(page, live_server, shoot):
    founded = add_months(THIS_MONTH, -6).replace(day=5)
    group = make_group("กลุ่มเอ", "ชุมชนเอ", members=4, founded_on=founded)
    treasurer = make_user("treasurer_a", Role.TREASURER)
    group.treasurers.add(treasurer)
    one, two, three, four = group.members.order_by("number")
    for k in range(2):  # two months of savings: 8,000 baht of cash
        month = add_months(founded.replace(day=1), k)
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("1000") for m in (one, two, three, four)},
            user=treasurer,
        )
    services.rules_change(
        group=group,
        from_month=founded.replace(day=1),
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **ALLOCATION},
        loan_kinds={},
        welfare_kinds={
            "funeral": {"amount": Decimal("2000"), "months_of_membership": 0},
            "illness": {"amount": Decimal("500"), "months_of_membership": 3},
        },
        user=treasurer,
        today=founded,
    )
    chair = Officer.objects.create(group=group, person=three.person, position=Officer.Position.CHAIR, since=founded)
    secretary = Officer.objects.create(
        group=group, person=four.person, position=Officer.Position.SECRETARY, since=founded
    )
    # A year closed three months ago, its profit of 3,000 baht given to the welfare fund.
    last_month = add_months(THIS_MONTH, -3)
    YearEnd.objects.create(
        group=group,
        rules=GroupRules.objects.get(group=group),
        first_month=founded.replace(day=1),
        last_month=last_month,
        closes_on=month_end(last_month),
        posted_on=add_months(last_month, 1).replace(day=10),
        interest=0,
        fines=0,
        costs=0,
        written_off=0,
        brought_forward=0,
        profit=Decimal("3000"),
        dividend=0,
        interest_refund=0,
        welfare_fund=Decimal("3000"),
        committee=0,
        reserve=0,
        community=0,
        shares_paid_as=ShareOut.SAVINGS,
        posted_by=treasurer,
    )

    # -- From the group's page to its fund. --
    sign_in(page, live_server, "treasurer_a")
    page.locator("#group-fund-page").click()
    expect(page).to_have_url(live_server.url + reverse("groups:fund", args=[group.pk]))
    expect(page.locator("#fund-welfare")).to_have_text("3,000.00")
    shoot(page, "fund-before")

    # -- A cost: refused without saying what for, then recorded. --
    page.locator("#cost-pay").click()
    form = page.locator("#cost-form")
    form.locator("#id_amount").fill("350")
    form.locator("#id_date").fill(be_day(TODAY))
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_what_for")).to_have_class(IS_INVALID)
    expect(page.locator("#id_amount")).to_have_value("350")
    shoot(page, "cost-error")
    assert not FundEntry.objects.exists()
    page.locator("#id_what_for").fill("ค่าเครื่องเขียนและถ่ายเอกสาร")
    page.locator("#cost-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    expect(page).to_have_url(live_server.url + reverse("groups:fund", args=[group.pk]))

    # -- Welfare: the chair may not approve their own funeral welfare; the secretary does. --
    page.locator("#welfare-pay").click()
    expect(page.locator("#welfare-fund-empty")).to_have_count(0)
    form = page.locator("#welfare-form")
    form.locator("#id_member").select_option(str(three.pk))
    form.locator("#id_purpose").select_option("funeral")
    form.locator("#id_approved_by").select_option(str(chair.pk))
    form.locator("#id_date").fill(be_day(TODAY))
    form.locator("#id_what_for").fill("งานศพมารดา")
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_approved_by")).to_have_class(IS_INVALID)
    shoot(page, "welfare-error")
    assert not FundEntry.objects.filter(kind="welfare").exists()
    page.locator("#id_approved_by").select_option(str(secretary.pk))
    page.locator("#welfare-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()

    # -- The fund's page says what group_fund says, and lists both payments. --
    fund = selectors.group_fund(group, TODAY)
    assert (fund.costs, fund.welfare_paid, fund.welfare) == (Decimal("350.00"), Decimal("2000.00"), Decimal("1000.00"))
    assert money(page.locator("#fund-cash")) == fund.cash == Decimal("8000.00") - 350 - 2000
    assert money(page.locator("#fund-welfare")) == fund.welfare
    assert money(page.locator("#fund-undistributed")) == fund.undistributed
    assert money(page.locator("#fund-savings")) == fund.savings == Decimal("8000.00")
    assert fund.balances
    expect(page.locator("#fund-identity")).to_contain_text("✓")
    rows = page.locator("table.fund-rows tbody tr")
    expect(rows).to_have_count(2)
    paid = FundEntry.objects.get(kind="welfare")
    expect(page.locator(f"[data-fund-entry='{paid.pk}']")).to_contain_text("2,000.00")
    expect(page.locator(f"[data-fund-entry='{paid.pk}'] a[href$='/reverse/']")).to_be_visible()
    shoot(page, "fund-after")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
