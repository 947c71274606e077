"""A loan on a phone (390 px), issue 17's first "done means": the treasurer records a member's
application, two officers' approvals and the payout, four months ago; then three months of
repayment on the monthly collection sheet, the second month left unpaid (late); and the loan's
page, the member's passbook, the posted sheets and the group's fund agree. Refusals are told
beside the box (an amount beyond the kind's ceiling; the borrower's guarantor approving).

Selectors use ids, hrefs and data attributes, never wording. SHOTS_DIR saves screenshots."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import selectors, services
from groups.models import LoanEntry, Officer
from songkhla_network.models import Role
from songkhla_network.thai import add_months, be_month_slug, month_start
from tests.factories import be_day, make_group, make_user
from tests.helpers import ALLOCATION, EMERGENCY_LOAN, IS_INVALID, money, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
PAID_OUT_IN = add_months(THIS_MONTH, -4)


def test_a_loan_is_applied_for_approved_paid_out_and_repaid_on_the_sheet_on_a_phone(page, live_server, shoot):
    founded = add_months(THIS_MONTH, -6).replace(day=5)
    group = make_group("กลุ่มเอ", "ชุมชนเอ", members=4, founded_on=founded)
    treasurer = make_user("treasurer_a", Role.TREASURER)
    group.treasurers.add(treasurer)
    one, two, three, four = group.members.order_by("number")
    for k in range(2):  # two months of savings: 2,000 baht each
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
    committee = Officer.objects.create(
        group=group, person=two.person, position=Officer.Position.COMMITTEE, since=founded
    )
    applied, paid_out = PAID_OUT_IN.replace(day=5), PAID_OUT_IN.replace(day=6)

    # -- The application, at the meeting four months ago. --
    sign_in(page, live_server, "treasurer_a")
    page.locator("#group-loans").click()
    page.locator("#loan-apply").click()
    form = page.locator("#loan-form")
    form.locator("#id_member").select_option(str(one.pk))
    form.locator("#id_purpose").select_option("emergency")
    form.locator("#id_amount").fill("4,500")  # twice 2,000 of savings is 4,000
    form.locator("#id_months").fill("4")
    form.locator(f"input[name=guarantors][value='{three.pk}']").check()
    form.locator("#id_applied_on").fill(be_day(applied))
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_amount")).to_have_class(IS_INVALID)
    shoot(page, "loan-apply-error")
    page.locator("#id_amount").fill("3,000")
    page.locator("#loan-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    loan = group.loans.get()
    expect(page).to_have_url(live_server.url + reverse("groups:loan", args=[group.pk, loan.pk]))

    # -- Two officers approve; the chair guarantees the loan and may not. --
    for officer, refused in ((chair, True), (secretary, False), (committee, False)):
        page.locator("#approval-form #id_officer").select_option(str(officer.pk))
        page.locator("#approval-form #id_approved_on").fill(be_day(paid_out))
        page.locator("#approval-form button[type=submit]").click()
        if refused:
            expect(page.locator("#approval-form #id_officer")).to_have_class(IS_INVALID)
        else:
            expect(page.locator(".messages .alert-success")).to_be_visible()
    shoot(page, "loan-approved")
    page.locator("#disbursement-form #id_date").fill(be_day(paid_out))
    page.locator("#disbursement-form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    assert LoanEntry.objects.get().amount == Decimal("3000.00")
    # Declining 1 % a month on 3,000 over 4 months: 750 a month, interest 30, 22.50, 15, 7.50.
    rows = page.locator("table.schedule tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first.locator("td").nth(3)).to_have_text("780.00")
    expect(rows.last.locator("td").nth(3)).to_have_text("757.50")
    shoot(page, "loan-paid-out")

    # -- Three months on the sheet: the first repaid, the second not (late), the third repaying
    # what is owed by then, as the box offers it. --
    def sheet(month, *, repay):
        page.goto(live_server.url + reverse("groups:sheet", args=[group.pk, be_month_slug(month)]))
        box = page.locator(f"#id_repay_{loan.pk}")
        expect(box).to_be_visible()
        if not repay:
            box.fill("")
        offered = box.input_value()
        page.locator("#sheet-form button[type=submit]").click()
        expect(page.locator(".messages .alert-success").first).to_be_visible()
        return offered

    first, second, third = (add_months(PAID_OUT_IN, k) for k in (1, 2, 3))
    assert sheet(first, repay=True) == "780.00"
    sheet(second, repay=False)
    page.goto(live_server.url + reverse("groups:sheet", args=[group.pk, be_month_slug(third)]))
    # The second month's 772.50, late, and the third's 765.00.
    expect(page.locator(f"#id_repay_{loan.pk}")).to_have_value("1537.50")
    expect(page.locator(".loan-entry .arrears")).to_be_visible()
    shoot(page, "sheet-with-a-loan")
    assert sheet(third, repay=True) == "1537.50"

    # -- They agree: the loan, the passbook, the posted sheet and the fund. --
    page.goto(live_server.url + reverse("groups:loan", args=[group.pk, loan.pk]))
    expect(page.locator("#loan-outstanding")).to_have_text("750.00")
    expect(page.locator("#loan-arrears")).to_have_text("0.00")
    shoot(page, "loan-repaid")
    position = selectors.loan_position(loan, TODAY)
    assert (position.outstanding, position.principal_paid, position.interest_paid) == (
        Decimal("750.00"),
        Decimal("2250.00"),
        Decimal("67.50"),
    )
    page.goto(live_server.url + reverse("groups:passbook", args=[group.pk, one.pk]))
    expect(page.locator(f".passbook-loans [data-loan='{loan.pk}']")).to_contain_text("750.00")
    shoot(page, "passbook-with-a-loan")
    page.goto(live_server.url + reverse("groups:sheet", args=[group.pk, be_month_slug(third)]))
    expect(page.locator("main")).to_contain_text("1,537.50")
    page.goto(live_server.url + reverse("groups:detail", args=[group.pk]))
    fund = selectors.group_fund(group, TODAY)
    assert money(page.locator("#fund-lent-out")) == fund.lent_out == Decimal("750.00")
    assert money(page.locator("#fund-income")) == fund.income == Decimal("67.50")
    assert money(page.locator("#fund-savings")) == fund.savings
    assert money(page.locator("#fund-cash")) == fund.cash == fund.savings - Decimal("750.00") + Decimal("67.50")
    shoot(page, "group-fund")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
