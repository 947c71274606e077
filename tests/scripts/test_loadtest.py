"""`make bench` (scripts/loadtest): the bench network at a larger ledger scale, built whole and
recognised when reused, its loans as the loan services would have written them, and the check
that the network summary and the dashboard answer within twice the group page's time."""

import datetime
import re

import pytest

from groups import selectors
from groups.models import (
    CollectionSheet,
    EntryKind,
    GroupBalance,
    LedgerEntry,
    LoanEntry,
    LoanEntryKind,
    Officer,
    SavingsGroup,
)
from scripts.loadtest import dataset, pages
from scripts.loadtest.client import AMOUNT, REPAYMENT, Page
from scripts.loadtest.common import MEMBERS, MONTHS
from songkhla_network.thai import add_months

THIS_MONTH = datetime.date(2026, 12, 1)


def measured(name, *milliseconds):
    page = Page(name, "/")
    page.alone = sorted(ms / 1000 for ms in milliseconds)
    return page


def test_summary_pages_within_twice_the_group_page_pass():
    group_page = measured("group page, 40 members", 50, 52, 54)
    passed, line = pages.summary_check(
        group_page,
        [measured("network summary 2568 (leader)", 90, 104, 110), measured("dashboard (leader)", 30, 31, 33)],
    )
    assert passed, line
    assert "network summary 2568 104.0 ms (2.0x)" in line and "dashboard 31.0 ms (0.6x)" in line
    assert "NOT ok" not in line


def test_a_summary_page_slower_than_twice_the_group_page_fails_and_is_named():
    group_page = measured("group page, 40 members", 50, 52, 54)
    passed, line = pages.summary_check(
        group_page, [measured("network summary 2568 (leader)", 60), measured("dashboard (leader)", 104.5)]
    )
    assert not passed
    assert "dashboard 104.5 ms (2.0x, NOT ok)" in line and "network summary 2568 60.0 ms (1.2x)," in line


@pytest.mark.parametrize("missing", ["group page", "dashboard"])
def test_a_page_not_measured_fails_the_check(missing):
    group_page = measured("group page, 40 members", *([] if missing == "group page" else [50]))
    dashboard = measured("dashboard (leader)", *([] if missing == "dashboard" else [60]))
    passed, line = pages.summary_check(group_page, [measured("network summary 2568 (leader)", 60), dashboard])
    assert not passed and "not measured" in line


@pytest.mark.django_db
def test_the_bench_network_at_scale_two_has_twice_the_history_behind_the_same_groups(monkeypatch):
    # Three groups instead of a hundred, and COPY chunks of 100 rows, so that a table's rows are
    # written while those of the tables it points to are still being collected.
    monkeypatch.setattr(dataset, "GROUPS", 3)
    monkeypatch.setattr(dataset.Copier, "CHUNK", 100)
    counts = dataset.build_dataset(THIS_MONTH, scale=2)

    history = 2 * MONTHS
    groups = list(dataset.bench_groups())
    assert len(groups) == 3 and SavingsGroup.objects.count() == 3
    for group in groups:
        months = list(CollectionSheet.objects.filter(group=group).order_by("month").values_list("month", flat=True))
        assert months == [add_months(THIS_MONTH, i - history) for i in range(history)]
        assert group.members.count() == MEMBERS
        rows = LedgerEntry.objects.filter(group=group)
        # Every member every month; a withdrawal a year; two typos each ten years, reversed and paid again.
        assert rows.filter(sheet__isnull=False).count() == MEMBERS * history
        assert rows.filter(kind=EntryKind.WITHDRAWAL).count() == history // 12
        assert rows.filter(reverses__isnull=False).count() == 2 * 2
    assert counts["ledger rows"] == LedgerEntry.objects.count() == 3 * (MEMBERS * history + history // 12 + 2 * 2 * 2)
    assert dataset._scale_in_database(THIS_MONTH) == 2

    # The month-end balances are filled from the rows and agree with them; the check after the
    # run says so, and says when one does not.
    assert dataset.fill_balances() is not None
    passed, said, _seconds = dataset.check_balances()
    assert passed, said
    assert GroupBalance.objects.filter(group__in=groups).count() == 3 * history
    GroupBalance.objects.filter(pk=GroupBalance.objects.order_by("pk")[0].pk).update(closing=1)
    passed, said, _seconds = dataset.check_balances()
    assert not passed and said


@pytest.fixture
def three_groups(db, monkeypatch):
    """The bench network of three groups instead of a hundred, at ledger scale 1."""
    monkeypatch.setattr(dataset, "GROUPS", 3)
    dataset.build_dataset(THIS_MONTH)
    return list(dataset.bench_groups().order_by("name"))


def test_a_third_of_the_members_borrow_within_the_rules_approved_by_two_officers(three_groups):
    """Each loan is what loan_apply, loan_approve and loan_disburse would have written: a kind the
    rules in force offer, within its ceiling, its multiple of the borrower's savings and its term,
    with its guarantor; two approvals by officers in office who are neither borrower nor
    guarantor; one payout after them, from the fund's cash."""
    for group in three_groups:
        loans = list(group.loans.prefetch_related("guarantees__member", "approvals__officer", "entries"))
        assert sorted(loan.member.number for loan in loans) == list(dataset.borrower_numbers())
        assert len(loans) == MEMBERS // 3
        for loan in loans:
            rules = selectors.rules_on(group, loan.applied_on)
            kind = next(k for k in rules.loan_kinds.all() if k.purpose == loan.purpose)
            savings = selectors.savings_on(loan.member, loan.applied_on)
            assert loan.amount <= min(savings * kind.times_savings, kind.ceiling)
            assert (loan.monthly_rate, loan.method) == (kind.monthly_rate, kind.method)
            assert loan.months <= kind.longest_term
            [guarantee] = loan.guarantees.all()
            assert guarantee.member.group_id == group.pk and guarantee.member_id != loan.member_id
            approvals = loan.approvals.all()
            payout = selectors.disbursement(loan)
            officers = {o.pk for o in selectors.officers_on(group, payout.date)}
            assert len({a.officer.person_id for a in approvals}) == selectors.APPROVALS_NEEDED
            for approval in approvals:
                assert approval.officer_id in officers
                assert loan.applied_on <= approval.approved_on <= payout.date
                assert approval.officer.person_id not in {loan.member.person_id, guarantee.member.person_id}
                assert approval.officer.position in (Officer.Position.CHAIR, Officer.Position.TREASURER)
            assert payout.amount == loan.amount and payout.sheet is None
            assert selectors.fund_cash(group, payout.date - datetime.timedelta(days=1)) >= loan.amount


def test_the_loans_are_repaid_on_the_sheets_as_sheet_post_splits_a_repayment(three_groups):
    """Every repayment is on the collection sheet of its month, dated the day it was collected,
    split into interest and principal as sheet_post would (selectors.repayment_split), and the
    fund balances with its cash never below zero on any day a loan's money moved."""
    for group in three_groups:
        sheets = {sheet.pk: sheet for sheet in group.sheets.all()}
        for loan in group.loans.all():
            repaid = {}
            for entry in loan.entries.exclude(kind=LoanEntryKind.DISBURSEMENT):
                sheet = sheets[entry.sheet_id]
                assert (entry.month, entry.date) == (sheet.month, sheet.paid_on)
                repaid.setdefault(sheet, {})[entry.kind] = entry.amount
            for sheet, parts in repaid.items():
                before = selectors.loan_position(loan, sheet.paid_on - datetime.timedelta(days=1))
                total = sum(parts.values())
                fine, interest, principal = selectors.repayment_split(before, sheet.month, total)
                assert (
                    parts.get(LoanEntryKind.FINE, 0),
                    parts.get(LoanEntryKind.INTEREST, 0),
                    parts.get(LoanEntryKind.PRINCIPAL, 0),
                ) == (fine, interest, principal)
        days = set(LoanEntry.objects.filter(group=group).values_list("date", flat=True))
        for day in sorted(days):
            fund = selectors.group_fund(group, day)
            assert fund.balances and fund.cash >= 0, day


def test_a_few_loans_are_late_and_the_rest_are_repaid_on_time(three_groups):
    """In two groups of three one loan missed its last meetings: more than 30 days late at the
    start of this month, in the portfolio at risk; every other loan owes nothing past due."""
    late = {}
    for group in three_groups:
        for loan in group.loans.prefetch_related("entries"):
            position = selectors.loan_position(loan, THIS_MONTH)
            assert position.outstanding > 0
            if position.arrears:
                late[loan.pk] = position.days_overdue
            else:
                assert position.days_overdue == 0
    assert len(late) == 2 and all(days > 30 for days in late.values())
    portfolio = selectors.loan_portfolio(THIS_MONTH)
    assert portfolio.loans == 3 * len(dataset.borrower_numbers()) and 0 < portfolio.par30 < 20


def test_the_open_sheet_offers_a_repayment_box_for_each_loan(three_groups, client, monkeypatch):
    """The bench's sheet form and its POST: a box for every member's saving and every loan, as
    the page table counts them (pages.LOANS), each prefilled with what the loan owes."""
    from songkhla_network.models import User
    from songkhla_network.thai import be_month_slug

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: THIS_MONTH.replace(day=6))
    group = three_groups[0]
    client.force_login(User.objects.get(username=dataset.TREASURER))
    text = client.get(f"/groups/{group.pk}/sheet/{be_month_slug(THIS_MONTH)}/").content.decode()
    assert (len(AMOUNT.findall(text)), len(REPAYMENT.findall(text))) == (MEMBERS, pages.LOANS)
    assert all(re.fullmatch(r"[\d,]+\.\d\d", value) for _name, value in REPAYMENT.findall(text))
