"""The year-end share-out on a phone (390 px), issue 17: the treasurer opens the group's years
from the group's page, reads the draft of the year that ended last December, closes the year with
the members' shares added to their savings, and sees the statement the general meeting gets; the
member's passbook shows the share.

Selectors use ids, hrefs and data attributes, never wording. SHOTS_DIR saves screenshots."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import services, year_end
from groups.models import FundEntry, FundEntryKind, LedgerEntry, Officer, ShareOut, YearEnd
from songkhla_network.models import Person, Role
from songkhla_network.thai import add_months
from tests.factories import make_group, make_user
from tests.helpers import ALLOCATION, EMERGENCY_LOAN, IS_INVALID, money, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
LAST_MONTH = datetime.date(TODAY.year - 1, 12, 1)  # the group's last year ended last December
FIRST_MONTH = add_months(LAST_MONTH, -11)


def _year_of_a_group(treasurer):
    """Three members who saved 1,000 each in the December before the year and in its January;
    member 1 borrowed 1,000 in February (1 percent a month, declining, over two months) and repaid
    it with 15.00 of interest; a cost of 3.00 in June. The year's profit: 12.00."""
    founded = add_months(FIRST_MONTH, -1).replace(day=5)
    group = make_group("กลุ่มเอ", "ชุมชนเอ", members=3, founded_on=founded)
    group.treasurers.add(treasurer)
    one, two, three = group.members.order_by("number")
    for month in (founded.replace(day=1), FIRST_MONTH):
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("1000") for m in (one, two, three)},
            user=treasurer,
        )
    services.rules_change(
        group=group,
        from_month=FIRST_MONTH,
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **ALLOCATION},
        loan_kinds={"emergency": EMERGENCY_LOAN},
        welfare_kinds={},
        user=treasurer,
        today=FIRST_MONTH,
    )
    paid_out = add_months(FIRST_MONTH, 1).replace(day=15)
    loan = services.loan_apply(
        member=one,
        purpose="emergency",
        amount=Decimal("1000"),
        months=2,
        guarantors=[two],
        applied_on=paid_out,
        reason="",
        user=treasurer,
        today=paid_out,
    )
    for k in (1, 2):
        officer = Officer.objects.create(
            group=group,
            person=Person.objects.create(first_name=f"กรรมการ{k}", last_name="เอ"),
            position=Officer.Position.COMMITTEE,
            since=founded,
        )
        services.loan_approve(loan=loan, officer=officer, approved_on=paid_out, user=treasurer, today=paid_out)
    services.loan_disburse(loan=loan, date=paid_out, user=treasurer, today=paid_out)
    for k, repaid in ((2, "510"), (3, "505")):
        month = add_months(FIRST_MONTH, k)
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=10),
            amounts={},
            repayments={loan.pk: Decimal(repaid)},
            user=treasurer,
        )
    FundEntry.objects.create(
        group=group,
        kind=FundEntryKind.COST,
        date=add_months(FIRST_MONTH, 5),
        amount=Decimal("3.00"),
        what_for="ค่าเครื่องเขียน",
        posted_by=treasurer,
    )
    return group


def test_the_treasurer_checks_the_draft_closes_the_year_and_sees_the_statement_on_a_phone(page, live_server, shoot):
    treasurer = make_user("treasurer_a", Role.TREASURER)
    group = _year_of_a_group(treasurer)
    one = group.members.get(number=1)
    assert year_end.draft(group, LAST_MONTH).profit == Decimal("12.00")

    sign_in(page, live_server, "treasurer_a")
    page.locator("#group-year-ends").click()
    expect(page.locator("#next-year-link")).to_be_visible()
    shoot(page, "year-ends")
    page.locator("#next-year-link").click()

    # -- The draft, to check. --
    expect(page.locator("#year-end-draft")).to_be_visible()
    assert money(page.locator("#year-end-profit")) == Decimal("12.00")
    assert money(page.locator("#year-interest")) == Decimal("15.00")
    assert money(page.locator("#year-costs")) == Decimal("3.00")
    # Dividend 6.00 by three equal savings; the refund 2.40 to member 1, who paid the interest.
    expect(page.locator(f".year-shares [data-member='{one.pk}'] .share-total")).to_have_text("4.40")
    expect(page.locator("#year-fund-identity")).to_contain_text("✓")
    shoot(page, "year-end-draft")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # -- Closed without the box ticked: told beside it, nothing posted. --
    form = page.locator("#year-end-form")
    form.locator(f"input[name=shares_paid_as][value='{ShareOut.SAVINGS}']").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_confirm")).to_have_class(IS_INVALID)
    assert not YearEnd.objects.exists()
    shoot(page, "year-end-unconfirmed")
    page.locator("#id_confirm").check()
    page.locator("#year-end-form button[type=submit]").click()

    # -- The statement, read from what was posted. --
    expect(page.locator(".messages .alert-success")).to_be_visible()
    expect(page.locator("#year-end-posted")).to_be_visible()
    expect(page.locator("#year-end-form")).to_have_count(0)
    posted = YearEnd.objects.get()
    assert (posted.profit, posted.posted_on, posted.shares_paid_as) == (Decimal("12.00"), TODAY, ShareOut.SAVINGS)
    assert money(page.locator("#year-end-profit")) == posted.profit
    expect(page.locator(f".year-shares [data-member='{one.pk}'] .share-total")).to_have_text("4.40")
    shoot(page, "year-end-statement")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".year-shares").evaluate("table => table.closest('.table-responsive') !== null")
    pdf = page.request.get(
        live_server.url + reverse("groups:year_end_pdf", args=[group.pk, f"{LAST_MONTH.year + 543}-12"])
    )
    assert pdf.headers["content-type"] == "application/pdf"

    # -- Member 1's share is in their passbook, added to their savings. --
    share = LedgerEntry.objects.get(member=one, share__isnull=False)
    assert share.amount == Decimal("4.40")
    page.goto(live_server.url + reverse("groups:passbook", args=[group.pk, one.pk]))
    expect(page.locator("#passbook-balance")).to_have_text("2,004.40")
    shoot(page, "passbook-with-a-share")
