"""The savings ledgers reconcile, and every page gives one figure one number, whatever the history.

Hypothesis makes random histories of half a year (December 2564 – May 2565) on two or three
groups, posted day by day through the savings services as on their day: sheets posted in their
month or late, deposits paid late or ahead, withdrawals, reversals, commitments changed from a
month, members joining, leaving with their savings paid out and moving to another group with their
balance, groups going dormant and revived (where their order allows). The test keeps the history
itself — the rows each service was asked to write, the memberships, commitments and status steps —
and checks:

- the services wrote exactly the rows asked of them (leaving pays the balance out, a move carries
  it across);
- each ledger reconciles, for a period and for the whole half year: a member (their passbook's
  rows and running balance), a group and the network's savings (the network summary, the CODI
  report): brought forward + in − out = at the end, by payment date;
- every page that shows a figure shows the history's number for it: the group page (its members'
  balances and arrears, its sheets' totals), each month's sheet, each passbook, the network
  summary, the dashboard, and the CODI report — its page, its PDF's text and its Excel workbook;
- a period's figures are those of its last day: balances by payment date, deposits and the 5 %
  levy by the month a saving is for from the rows paid by then; and they stay so when the rest of
  the history is posted after it.

The enterprise's ledgers (tests/enterprise/test_ledgers.py) and the rent's
(tests/rent_collection/test_reconciliation.py) have property tests of their own.

`make test` runs 15 derandomized examples (about 30 s on the 2-core development machine) and
prints a failing one as drawn, without shrinking it (that can take minutes). For a deeper search,
400 examples not derandomized, a failure shrunk to a small history (about 10 minutes):

    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh -p no:randomly \\
        tests/network/test_reconciliation.py --hypothesis-show-statistics
"""

import datetime
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import NamedTuple

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from groups import services
from groups.models import ACTIVE_STATUSES, EntryKind, GroupStatus, LedgerEntry, Member
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.thai import add_months, be_date, be_month, be_month_slug, month_end, month_range, month_start
from tests.factories import FOUNDED_ON, make_group
from tests.helpers import pdf_text, rolled_back, squeezed

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"

# The history: from the day the groups were founded (5 December 2564) to 31 May 2565.
DAYS = (datetime.date(2022, 5, 31) - FOUNDED_ON).days
MONTHS = list(month_range(datetime.date(2021, 12, 1), datetime.date(2022, 5, 1)))
WHOLE = (MONTHS[0], MONTHS[-1])


def months(first, last):
    """A period of months as the period forms send it."""
    return {"first_0": first.month, "first_1": first.year + 543, "last_0": last.month, "last_1": last.year + 543}


def thai(text):
    with translation.override("th"):
        return gettext(text)


def baht(amount):
    return f"{amount:,.2f}"


# The history as the test keeps it: the oracle the pages are checked against.


class Row(NamedTuple):
    member: int
    group: int
    kind: str
    month: datetime.date
    date: datetime.date
    amount: Decimal
    carried: bool = False  # a balance a moving member carried into the group (transfer_of)


@dataclass
class Membership:
    pk: int
    group: int
    joined: datetime.date
    left: datetime.date | None = None
    commitments: dict = field(default_factory=dict)  # from month -> amount

    def commitment_in(self, month):
        starts = [start for start in self.commitments if start <= month]
        return self.commitments[max(starts)] if starts else None


class Figures(NamedTuple):
    """A group's (or the network's) savings over a period."""

    opening: Decimal
    deposits: Decimal  # in, by payment date
    withdrawals: Decimal  # out, by payment date
    closing: Decimal
    members: int  # at the end
    saved_for_months: Decimal  # deposits for the period's months, paid by its end
    levy: Decimal


def total(figures):
    """The network's Figures: the sum of its groups'."""
    figures = list(figures)
    return Figures(
        *(sum((getattr(f, name) for f in figures), 0 if name == "members" else ZERO) for name in Figures._fields)
    )


@dataclass
class History:
    groups: list
    members: dict = field(default_factory=dict)  # pk -> Membership
    steps: dict = field(default_factory=dict)  # group pk -> [(date, status)]
    rows: list = field(default_factory=list)

    def balance(self, *, member=None, group=None, upto=None):
        return sum(
            (
                r.amount
                for r in self.rows
                if (member is None or r.member == member)
                and (group is None or r.group == group)
                and (upto is None or r.date <= upto)
            ),
            ZERO,
        )

    def status_on(self, group, day):
        steps = [status for date, status in self.steps[group] if date <= day]
        return steps[-1] if steps else None

    def saved_for(self, *, month, member=None, group=None, upto=None):
        """Deposits for `month` (a balance carried across is none), paid by `upto`."""
        return sum(
            (
                r.amount
                for r in self.rows
                if r.kind == EntryKind.DEPOSIT
                and not r.carried
                and r.month == month
                and (member is None or r.member == member)
                and (group is None or r.group == group)
                and (upto is None or r.date <= upto)
            ),
            ZERO,
        )

    def arrears(self, m, month, today):
        """The rule the pages state: the months that have ended by the day the month is read on
        (the day after it, or today), in which the member belonged to the group at the month's end
        and the group was active, each at the commitment in force; less the deposits for the
        months up to `month`, whenever paid."""
        as_of = min(today, add_months(month, 1))
        due, current = ZERO, max(month_start(m.joined), min(m.commitments))
        while current < month_start(as_of):
            end = month_end(current)
            if m.left is not None and m.left <= end:
                break
            if self.status_on(m.group, end) in ACTIVE_STATUSES:
                due += m.commitment_in(current)
            current = add_months(current, 1)
        paid = sum(
            (
                r.amount
                for r in self.rows
                if r.member == m.pk and r.kind == EntryKind.DEPOSIT and not r.carried and r.month <= month
            ),
            ZERO,
        )
        return max(ZERO, due - paid)

    def money(self, first, last):
        """{group pk: Figures} for the months first..last, as of the last one's last day."""
        end = month_end(last)
        result = {}
        for group in self.groups:
            rows = [r for r in self.rows if r.group == group.pk]
            by_month = [self.saved_for(month=m, group=group.pk, upto=end) for m in month_range(first, last)]
            result[group.pk] = Figures(
                opening=sum((r.amount for r in rows if r.date < first), ZERO),
                deposits=sum((r.amount for r in rows if first <= r.date <= end and r.kind == EntryKind.DEPOSIT), ZERO),
                withdrawals=-sum(
                    (r.amount for r in rows if first <= r.date <= end and r.kind == EntryKind.WITHDRAWAL), ZERO
                ),
                closing=sum((r.amount for r in rows if r.date <= end), ZERO),
                members=sum(
                    1
                    for m in self.members.values()
                    if m.group == group.pk and m.joined <= end and (m.left is None or m.left > end)
                ),
                saved_for_months=sum(by_month, ZERO),
                levy=sum(((d * D("0.05")).quantize(CENT, ROUND_HALF_UP) for d in by_month), ZERO),
            )
        return result

    def group_members(self, group):
        return sorted((m for m in self.members.values() if m.group == group.pk), key=lambda m: m.pk)

    def keep_member(self, member, commitment):
        self.members[member.pk] = Membership(
            member.pk, member.group_id, member.joined_on, commitments={month_start(member.joined_on): commitment}
        )


# The history as hypothesis draws it: (kind, day, ...), posted in the order of the days.

DAY = st.integers(0, DAYS)
GROUP = st.integers(0, 2)  # taken modulo the number of groups
MEMBER = st.integers(0, 9)  # modulo the group's members, former ones included
EVENTS = st.tuples(
    # A sheet for the month of the day or one or two months before (posted late); each member
    # pays their commitment times the factor, but for one who does not pay (when in range).
    st.lists(
        st.tuples(
            st.just("sheet"), DAY, GROUP, st.integers(0, 2), st.sampled_from(["1", "0.5", "2"]), st.integers(0, 4)
        ),
        max_size=8,
    ),
    # A deposit outside a sheet, for a month up to two before (late) or after (ahead) the day's.
    st.lists(
        st.tuples(
            st.just("deposit"),
            DAY,
            GROUP,
            MEMBER,
            st.integers(-2, 2),
            st.sampled_from(["100", "50", "150.50", "0.10", "33.33", "250"]),
        ),
        max_size=8,
    ),
    st.lists(st.tuples(st.just("withdraw"), DAY, GROUP, MEMBER, st.sampled_from(["0.25", "0.5", "1"])), max_size=4),
    st.lists(st.tuples(st.just("reverse"), DAY, st.integers(0, 99)), max_size=4),
    st.lists(
        st.tuples(st.just("commitment"), DAY, GROUP, MEMBER, st.sampled_from(["50", "150", "300"]), st.booleans()),
        max_size=3,
    ),
    st.lists(st.tuples(st.just("join"), DAY, GROUP, st.sampled_from(["100", "200"])), max_size=2),
    st.lists(st.tuples(st.just("leave"), DAY, GROUP, MEMBER), max_size=2),
    st.lists(st.tuples(st.just("move"), DAY, GROUP, MEMBER, st.integers(1, 2)), max_size=2),
    # A group goes dormant on a day, and is revived some days later (or stays dormant).
    st.lists(st.tuples(DAY, GROUP, st.integers(0, 60)), max_size=2).map(
        lambda steps: [
            step
            for day, g, after in steps
            for step in [("dormant", day, g), ("revived", day + after, g)]
            if step[0] == "dormant" or 0 < after and day + after <= DAYS
        ]
    ),
).map(lambda kinds: sorted((e for events in kinds for e in events), key=lambda e: e[1]))
# The period checked besides the whole half year: its first and last month.
PERIOD = st.tuples(st.integers(0, len(MONTHS) - 1), st.integers(0, len(MONTHS) - 1)).map(
    lambda ends: (MONTHS[min(ends)], MONTHS[max(ends)])
)


def post(history, event_, user):
    """Post one event through the services, as on its day; what a service refuses (a deposit for
    a member who has left, a withdrawal beyond the balance, a step out of order...) is left out,
    as a treasurer or leader would be refused."""
    kind, offset, *args = event_
    day = FOUNDED_ON + datetime.timedelta(days=offset)
    groups = history.groups

    def member_of(g, k):
        members = history.group_members(groups[g % len(groups)])
        return members[k % len(members)] if members else None

    try:
        if kind == "sheet":
            g, late, factor, skip = args
            group, month = groups[g % len(groups)], add_months(month_start(day), -late)
            kept = [
                m
                for m in history.group_members(group)
                if m.left is None and m.joined <= month_end(month) and m.commitment_in(month)
            ]
            amounts = {
                m.pk: (m.commitment_in(month) * D(factor)).quantize(CENT) for i, m in enumerate(kept) if i != skip
            }
            if month < MONTHS[0] or not amounts:
                raise ValidationError("nothing to post")
            services.sheet_post(group=group, month=month, paid_on=day, amounts=amounts, user=user)
            history.rows += [Row(pk, group.pk, EntryKind.DEPOSIT, month, day, a) for pk, a in amounts.items()]
        elif kind == "deposit":
            g, k, delta, amount = args
            m, month = member_of(g, k), add_months(month_start(day), delta)
            if m is None or not MONTHS[0] <= month <= MONTHS[-1]:
                raise ValidationError("no such month")
            services.deposit_post(
                member=Member.objects.get(pk=m.pk), month=month, date=day, amount=D(amount), user=user
            )
            history.rows.append(Row(m.pk, m.group, EntryKind.DEPOSIT, month, day, D(amount)))
        elif kind == "withdraw":
            g, k, share = args
            m = member_of(g, k)
            amount = (history.balance(member=m.pk) * D(share)).quantize(CENT, ROUND_DOWN) if m else ZERO
            if amount <= 0:
                raise ValidationError("nothing to withdraw")
            services.withdrawal_post(
                member=Member.objects.get(pk=m.pk), date=day, amount=amount, reason="ถอนเงินออม", user=user
            )
            history.rows.append(Row(m.pk, m.group, EntryKind.WITHDRAWAL, month_start(day), day, -amount))
        elif kind == "reverse":
            (index,) = args
            candidates = list(
                LedgerEntry.objects.filter(
                    date__lte=day,
                    reverses__isnull=True,
                    reversal__isnull=True,
                    transfer_of__isnull=True,
                    transferred_to__isnull=True,
                    member__left_on__isnull=True,
                ).order_by("id")
            )
            if not candidates:
                raise ValidationError("nothing to reverse")
            entry = candidates[index % len(candidates)]
            services.entry_reverse(entry=entry, date=day, reason="ลงยอดผิด", user=user)
            history.rows.append(Row(entry.member_id, entry.group_id, entry.kind, entry.month, day, -entry.amount))
        elif kind == "commitment":
            g, k, amount, next_month = args
            m = member_of(g, k)
            from_month = add_months(month_start(day), int(next_month))
            if m is None:
                raise ValidationError("no member")
            services.commitment_change(
                member=Member.objects.get(pk=m.pk), from_month=from_month, amount=D(amount), today=day
            )
            m.commitments[from_month] = D(amount)
        elif kind == "join":
            g, commitment = args
            group = groups[g % len(groups)]
            member = services.member_join(
                group=group,
                joined_on=day,
                first_month=month_start(day),
                commitment=D(commitment),
                new_person={"first_name": f"สมาชิกใหม่{len(history.members)}", "last_name": group.name},
                today=day,
            )
            history.keep_member(member, D(commitment))
        elif kind == "leave":
            g, k = args
            m = member_of(g, k)
            if m is None:
                raise ValidationError("no member")
            balance = history.balance(member=m.pk)
            services.member_leave(member=Member.objects.get(pk=m.pk), left_on=day, user=user, today=day)
            m.left = day
            if balance > 0:
                history.rows.append(Row(m.pk, m.group, EntryKind.WITHDRAWAL, month_start(day), day, -balance))
        elif kind == "move":
            g, step = args[0], args[2]
            m = member_of(g, args[1])
            to = groups[(g + step) % len(groups)]
            if m is None:
                raise ValidationError("no member")
            balance = history.balance(member=m.pk)
            moved = services.member_move(
                member=Member.objects.get(pk=m.pk), to_group=to, date=day, user=user, today=day
            )
            m.left = day
            history.keep_member(moved, m.commitment_in(month_start(day)) or to.default_commitment)
            if balance > 0:
                history.rows.append(Row(m.pk, m.group, EntryKind.WITHDRAWAL, month_start(day), day, -balance))
                history.rows.append(Row(moved.pk, to.pk, EntryKind.DEPOSIT, month_start(day), day, balance, True))
        else:  # a group goes dormant, or is revived
            (g,) = args
            group = groups[g % len(groups)]
            services.group_status_change(group=group, status=kind, date=day, today=day)
            history.steps[group.pk].append((day, kind))
    except (ValidationError, AlreadyPosted):
        event(f"{kind} refused")  # `--hypothesis-show-statistics` shows what the histories hold
    else:
        event(f"{kind} done")


# What the pages say.


def summary_of(money):
    """{group pk: Figures} and the network's Figures of a NetworkMoney."""
    groups = {
        g.group.pk: Figures(g.opening, g.deposits, g.withdrawals, g.closing, g.members, g.saved_for_months, g.levy)
        for g in money.groups
    }
    network = Figures(
        money.opening,
        money.deposits,
        money.withdrawals,
        money.closing,
        money.members,
        money.saved_for_months if money.with_levy else None,
        money.levy if money.with_levy else None,
    )
    return groups, network


def assert_money(money, expected, where):
    """A NetworkMoney (the network summary's, the report's, the dashboard's) is the history's."""
    groups, network = summary_of(money)
    # The dashboard's leaves the levy out (network_money(levy=False)): the rest must still agree.
    shown = slice(None) if money.with_levy else slice(5)
    for pk, figures in groups.items():
        assert figures[shown] == expected[pk][shown], f"{where}, group {pk}"
        assert figures.opening + figures.deposits - figures.withdrawals == figures.closing, f"{where}, group {pk}"
    for pk, figures in expected.items():
        if pk not in groups:
            assert not any(figures), f"{where}: group {pk} left out"
    assert network[shown] == total(expected.values())[shown], where
    assert network.opening + network.deposits - network.withdrawals == network.closing, where
    assert money.reconciles, where


def check_summary(client, history, first, last):
    """The network summary of the months first..last."""
    response = client.get(reverse("groups:summary"), months(first, last))
    assert response.status_code == 200
    assert_money(response.context["money"], history.money(first, last), f"network summary {first}–{last}")
    assert "✓" in response.content.decode()


def report_figures(client, first, last):
    """Every savings figure of the CODI report's page for first..last, to compare two."""
    report = client.get(reverse("report"), months(first, last)).context["report"]
    groups, network = summary_of(report.savings.money)
    return {
        "groups": groups,
        "network": network,
        "months": [(m.month, m.deposits, m.balance) for m in report.month_ends],
        "levy_owed": report.enterprise.levy_owed,
        "status": ([g.pk for g in report.status.founded], [g.pk for g in report.status.revived]),
    }


def check_report(client, history, first, last, *, pdf):
    """The CODI report of the months first..last: its page, its workbook and (if `pdf`) its PDF."""
    end = month_end(last)
    expected = history.money(first, last)
    network = total(expected.values())
    by_month = [
        (m, history.saved_for(month=m, upto=end), history.balance(upto=month_end(m))) for m in month_range(first, last)
    ]
    where = f"report {first}–{last}"

    response = client.get(reverse("report"), months(first, last))
    report = response.context["report"]
    assert_money(report.savings.money, expected, where)
    assert [(m.month, m.deposits, m.balance) for m in report.month_ends] == by_month, where
    assert [(m.month, m.deposits) for m in report.savings.by_month] == [(m, d) for m, d, _b in by_month], where
    assert report.enterprise.levy_owed == network.levy, where
    founded = sorted(g.pk for g in history.groups if first <= FOUNDED_ON <= end)
    revived = sorted(
        pk for pk, steps in history.steps.items() if any(s == "revived" and first <= d <= end for d, s in steps)
    )
    assert (sorted(g.pk for g in report.status.founded), sorted(g.pk for g in report.status.revived)) == (
        founded,
        revived,
    ), where

    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), months(first, last)).content))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    for label, value in [
        ("Members", network.members),
        ("Savings brought forward at the start, by payment date (baht)", network.opening),
        ("Paid in during the period, by payment date (baht)", network.deposits),
        ("Paid out during the period, by payment date (baht)", network.withdrawals),
        ("Savings at the end of the period, by payment date (baht)", network.closing),
        ("Growth over the period (baht)", network.closing - network.opening),
        ("Deposits for the period's months, by the month a saving is for (baht)", network.saved_for_months),
        ("5 % levy owed on the period's deposits, by the month a saving is for (baht)", network.levy),
        ("Groups revived", len(revived)),
    ]:
        assert D(str(summary[thai(label)])) == value, f"{where}, workbook: {label}"
    names = {g.name: g.pk for g in history.groups}
    sheet = workbook[thai("Savings, by payment date")[:31]]
    rows = {
        names[row[0]]: (row[2], *(D(str(x)) for x in row[3:])) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert set(rows) == {g.group.pk for g in report.savings.money.groups}, where
    assert rows == {
        pk: (f.members, f.opening, f.deposits, f.withdrawals, f.closing) for pk, f in expected.items() if pk in rows
    }, where
    months_sheet = list(workbook[thai("Deposits by month")].iter_rows(min_row=2, values_only=True))
    balances_sheet = list(workbook[thai("Month-end balances")].iter_rows(min_row=2, values_only=True))
    assert [D(str(d)) for _m, d in months_sheet] == [d for _m, d, _b in by_month], where
    assert [D(str(b)) for _m, b in balances_sheet] == [b for _m, _d, b in by_month], where

    if pdf:
        flat = squeezed(pdf_text(client.get(reverse("report_pdf"), months(first, last)).content))
        phrases = [
            f"สมาชิก{network.members}คนยอดเงินฝากรวม{baht(network.closing)}บาทณ{be_date(end)}(นับตามวันที่จ่ายเงิน)",
            f"ทั้งเครือข่าย:ยอดยกมา{baht(network.opening)}+เงินเข้า{baht(network.deposits)}"
            f"−เงินออก{baht(network.withdrawals)}=ยอดคงเหลือปลายงวด{baht(network.closing)}บาท",
            f"รวม{network.members}{baht(network.opening)}{baht(network.deposits)}"
            f"{baht(network.withdrawals)}{baht(network.closing)}",
            f"(นับตามเดือนของเงินฝาก):{baht(network.levy)}บาทจากเงินฝาก{baht(network.saved_for_months)}บาท",
            f"ฟื้นฟู{len(revived)}กลุ่ม",
        ]
        phrases += [f"{be_month(m)}{baht(d)}" for m, d, _b in by_month]
        for g in report.savings.money.groups:
            f = expected[g.group.pk]
            phrases.append(
                f"{g.group.name}{g.group.community.name}{f.members}{baht(f.opening)}{baht(f.deposits)}"
                f"{baht(f.withdrawals)}{baht(f.closing)}"
            )
        for phrase in phrases:
            assert squeezed(phrase) in flat, f"{where}, PDF: {phrase}"


def check_now(client, history, today):
    """The pages that read the records as they stand today: the dashboard, each group's page, each
    month's sheet and each passbook; a member's ledger reconciles over the periods too."""
    current = [m for m in history.members.values() if m.left is None]

    dashboard = client.get(reverse("home")).context["dashboard"]
    this_month = month_start(today)
    assert_money(dashboard.savings.money, history.money(dashboard.first_month, this_month), "dashboard")
    assert dashboard.savings.balance == history.balance()
    assert dashboard.savings.members == len(current)
    statuses = Counter(str(history.status_on(g.pk, today)) for g in history.groups)
    assert {str(row.status): row.groups for row in dashboard.groups_by_status} == {
        status: statuses.get(status, 0) for status in GroupStatus.values
    }

    for group in history.groups:
        page = client.get(reverse("groups:detail", args=[group.pk])).context
        assert page["total_balance"] == history.balance(group=group.pk), group
        assert sorted(m.pk for m in page["members"]) == sorted(m.pk for m in current if m.group == group.pk)
        for member in [*page["members"], *page["former_members"]]:
            kept = history.members[member.pk]
            assert member.balance == history.balance(member=member.pk), member
            if kept.left is None:
                assert member.arrears == history.arrears(kept, this_month, today), member
        for sheet in page["sheets"]:
            assert sheet.figures.total == history.saved_for(month=sheet.month, group=group.pk), sheet

        for month in MONTHS:
            sheet = client.get(reverse("groups:sheet", args=[group.pk, be_month_slug(month)])).context
            paid = {m.pk: history.saved_for(month=month, member=m.pk) for m in history.group_members(group)}
            assert sheet["figures"].total == history.saved_for(month=month, group=group.pk), (group, month)
            assert sheet["figures"].paid_count == sum(1 for amount in paid.values() if amount > 0), (group, month)
            for member in sheet["members"]:
                assert member.paid_this_month == paid[member.pk], (member, month)
                assert member.arrears == history.arrears(history.members[member.pk], month, today), (member, month)

    # Each passbook: the history's rows, a running balance that adds up, the balance and arrears;
    # over a period, its rows reconcile, and a group's members add up to the group's ledger.
    periods = {period: {} for period in [WHOLE, *((m, m) for m in MONTHS)]}
    for kept in history.members.values():
        page = client.get(reverse("groups:passbook", args=[kept.group, kept.pk])).context
        rows = page["rows"]
        assert [(r.kind, r.month, r.date, r.amount) for r in rows] == [
            (r.kind, r.month, r.date, r.amount) for r in history.rows if r.member == kept.pk
        ], kept
        running = ZERO
        for row in rows:
            running += row.amount
            assert row.running_balance == running, row
        assert page["balance"] == running == history.balance(member=kept.pk), kept
        assert page["arrears"] == (None if kept.left else history.arrears(kept, this_month, today)), kept
        for (first, last), groups in periods.items():
            end = month_end(last)
            before = [r.running_balance for r in rows if r.date < first]
            by_end = [r.running_balance for r in rows if r.date <= end]
            during = [r for r in rows if first <= r.date <= end]
            ledger = (
                before[-1] if before else ZERO,
                sum((r.amount for r in during if r.kind == EntryKind.DEPOSIT), ZERO),
                -sum((r.amount for r in during if r.kind == EntryKind.WITHDRAWAL), ZERO),
                by_end[-1] if by_end else ZERO,
            )
            assert ledger[0] + ledger[1] - ledger[2] == ledger[3], (kept, first, last)
            sums = groups.setdefault(kept.group, [ZERO] * 4)
            groups[kept.group] = [a + b for a, b in zip(sums, ledger, strict=True)]
    for (first, last), groups in periods.items():
        money = client.get(reverse("groups:summary"), months(first, last)).context["money"]
        listed = {g.group.pk: [g.opening, g.deposits, g.withdrawals, g.closing] for g in money.groups}
        assert listed == {pk: sums for pk, sums in groups.items() if pk in listed}, (first, last)


@given(events=EVENTS, period=PERIOD, three=st.booleans())
@settings(
    max_examples=400 if DEEP else 15,
    derandomize=not DEEP,
    deadline=None,
    database=None,
    phases=list(Phase) if DEEP else [Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_random_savings_histories_reconcile_and_every_page_agrees(client, staff, leader, events, period, three):
    client.force_login(staff)
    today = timezone.localdate()
    first, last = period
    with rolled_back():
        groups = [make_group(f"กลุ่ม{name}", f"ชุมชน{name}", members=3) for name in ["ก", "ข", "ค"][: 3 if three else 2]]
        history = History(groups=groups, steps={g.pk: [(FOUNDED_ON, GroupStatus.FOUNDED)] for g in groups})
        for member in Member.objects.filter(group__in=groups):
            history.keep_member(member, D("100.00"))

        # The history up to the period's last day; the report of the period as it stands then.
        later = [e for e in events if FOUNDED_ON + datetime.timedelta(days=e[1]) > month_end(last)]
        for e in events[: len(events) - len(later)]:
            post(history, e, leader)
        closed = report_figures(client, first, last)
        for e in later:
            post(history, e, leader)

        assert sorted(
            (e.member_id, e.group_id, e.kind, e.month, e.date, e.amount, e.transfer_of_id is not None)
            for e in LedgerEntry.objects.all()
        ) == sorted(history.rows)
        # The half year, read after its end: every row counts.
        check_summary(client, history, *WHOLE)
        check_report(client, history, *WHOLE, pdf=False)
        check_now(client, history, today)
        # The period, closed since: its figures are the history's as of its last day, as they were then.
        check_summary(client, history, first, last)
        check_report(client, history, first, last, pdf=True)
        assert report_figures(client, first, last) == closed
