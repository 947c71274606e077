"""A loan on a phone (390 px): the treasurer records a member's application from the group's page,
two officers' approvals, and pays it out from the fund; the loan's page shows its repayments and
the fund's cash falls by the loan. Refusals are told beside the box (an amount beyond the kind's
ceiling; the borrower's guarantor approving).

Selectors use ids, hrefs and data attributes, never wording. SHOTS_DIR saves screenshots."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import selectors, services
from groups.models import LoanEntry, Officer
from songkhla_network.models import Role
from songkhla_network.thai import add_months, month_start
from tests.factories import make_group, make_user
from tests.helpers import ALLOCATION, EMERGENCY_LOAN, IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


def test_a_loan_is_applied_for_approved_and_paid_out_on_a_phone(page, live_server, shoot):
    founded = add_months(month_start(TODAY), -3).replace(day=5)
    group = make_group("กลุ่มเอ", "ชุมชนเอ", members=4, founded_on=founded)
    treasurer = make_user("treasurer_a", Role.TREASURER)
    group.treasurers.add(treasurer)
    one, two, three, four = group.members.order_by("number")
    for k in range(3):
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
        loan_kinds={"emergency": EMERGENCY_LOAN},
        welfare_kinds={},
        user=treasurer,
        today=founded,
    )
    chair = Officer.objects.create(group=group, person=three.person, position=Officer.Position.CHAIR, since=founded)
    secretary = Officer.objects.create(
        group=group, person=four.person, position=Officer.Position.SECRETARY, since=founded
    )

    sign_in(page, live_server, "treasurer_a")
    page.locator("#group-loans").click()
    shoot(page, "loans-none")
    page.locator("#loan-apply").click()
    form = page.locator("#loan-form")
    form.locator("#id_member").select_option(str(one.pk))
    form.locator("#id_purpose").select_option("emergency")
    form.locator("#id_amount").fill("7,000")  # twice 3,000 of savings is 6,000
    form.locator("#id_months").fill("10")
    form.locator(f"input[name=guarantors][value='{three.pk}']").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_amount")).to_have_class(IS_INVALID)
    shoot(page, "loan-apply-error")
    page.locator("#id_amount").fill("5,000")
    page.locator("#loan-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    loan = group.loans.get()
    expect(page).to_have_url(live_server.url + reverse("groups:loan", args=[group.pk, loan.pk]))

    # Member 3, the chair, guarantees the loan: their approval is refused beside the box.
    page.locator("#approval-form #id_officer").select_option(str(chair.pk))
    page.locator("#approval-form button[type=submit]").click()
    expect(page.locator("#approval-form #id_officer")).to_have_class(IS_INVALID)
    page.locator("#approval-form #id_officer").select_option(str(secretary.pk))
    page.locator("#approval-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    # A second officer, elected to the committee meanwhile: the page offers them once reloaded.
    committee = Officer.objects.create(
        group=group, person=two.person, position=Officer.Position.COMMITTEE, since=founded
    )
    page.reload()
    page.locator("#approval-form #id_officer").select_option(str(committee.pk))
    page.locator("#approval-form button[type=submit]").click()
    expect(page.locator("#disbursement-form")).to_be_visible()
    shoot(page, "loan-approved")
    page.locator("#disbursement-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    shoot(page, "loan-paid-out")
    assert LoanEntry.objects.get().amount == Decimal("5000.00")
    assert selectors.fund_cash(group, TODAY) == Decimal("7000.00")
    # Declining 1 % a month on 5,000 over 10 months: 500 + 50.00 first, 500 + 5.00 last.
    rows = page.locator("table.schedule tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first.locator("td").nth(3)).to_have_text("550.00")
    expect(rows.last.locator("td").nth(3)).to_have_text("505.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(live_server.url + reverse("groups:loans", args=[group.pk]))
    expect(page.locator(f"tr[data-loan='{loan.pk}']")).to_be_visible()
    shoot(page, "loans-list")
