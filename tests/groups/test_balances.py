"""Month-end balances, a projection of the savings ledger: per member and per group, what came in
and went out on the days of each month and the balance at its end, and per group its deposits for
each month by the day they were paid. The posting services write them in the transaction that
posts the rows, so they always say what a rebuild from the rows says; `rebuild_balances --check`
says where they do not. The network summary, the dashboard and the CODI report read them instead
of the ledger, so their queries do not grow with it, and a closed period's figures, the levy
included, are those of the rows dated up to its end.

The property test runs 30 derandomized histories in `make test`; for a deeper run:

    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh -p no:randomly \
        tests/groups/test_balances.py -k rebuild
"""

import datetime
import io
import os
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.db.models import F, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprise import selectors as enterprise_selectors
from groups import selectors, services
from groups.models import EntryKind, GroupBalance, GroupSaving, LedgerEntry, Member, MemberBalance
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.thai import add_months, month_end, month_start
from tests.factories import make_group
from tests.helpers import at_once, rolled_back

pytestmark = pytest.mark.django_db

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
DEC, JAN, FEB, MAR, APR = (datetime.date(2021, 12, 1), *(datetime.date(2022, m, 1) for m in (1, 2, 3, 4)))


def differences():
    return [d for model in services.BALANCE_MODELS for d in selectors.balance_differences(model)]


def stored():
    """Every month-end row as it stands, ids aside."""
    return {
        model.__name__: sorted(model.objects.values_list(*columns))
        for model, columns in (
            (MemberBalance, ("member", "month", "money_in", "money_out", "closing")),
            (GroupBalance, ("group", "month", "money_in", "money_out", "closing")),
            (GroupSaving, ("group", "month", "paid_on", "deposits")),
        )
    }


def balances(member):
    return list(member.balances.order_by("month").values_list("month", "money_in", "money_out", "closing"))


def deposit(member, user, month, day, amount):
    return services.deposit_post(member=member, month=month, date=day, amount=Decimal(amount), user=user)


# What is kept, and how a row dated in an earlier month moves the later ones.


def test_each_month_keeps_its_in_and_out_by_payment_date_and_the_balance_at_its_end(group_a, leader):
    member = group_a.members.get(number=1)
    deposit(member, leader, JAN, datetime.date(2022, 1, 5), "100")
    deposit(member, leader, MAR, datetime.date(2022, 3, 5), "100")
    assert balances(member) == [(JAN, 100, 0, 100), (MAR, 100, 0, 200)]

    # Late rows dated in earlier months: a withdrawal of February and a deposit of December move
    # the closing of every later month already kept; a month with no row yet starts from the
    # closing of the one before it.
    services.withdrawal_post(
        member=member, date=datetime.date(2022, 2, 20), amount=Decimal("30"), reason="", user=leader
    )
    assert balances(member) == [(JAN, 100, 0, 100), (FEB, 0, 30, 70), (MAR, 100, 0, 170)]
    early = deposit(member, leader, DEC, datetime.date(2021, 12, 28), "50")
    assert balances(member) == [(DEC, 50, 0, 50), (JAN, 100, 0, 150), (FEB, 0, 30, 120), (MAR, 100, 0, 220)]

    # A reversal counts on its own date, as the kind of the row it reverses: less money in.
    services.entry_reverse(entry=early, date=datetime.date(2022, 3, 10), reason="ผิดคน", user=leader)
    assert balances(member) == [(DEC, 50, 0, 50), (JAN, 100, 0, 150), (FEB, 0, 30, 120), (MAR, 50, 0, 170)]
    group = list(group_a.balances.order_by("month").values_list("month", "money_in", "money_out", "closing"))
    assert group == [(DEC, 50, 0, 50), (JAN, 100, 0, 150), (FEB, 0, 30, 120), (MAR, 50, 0, 170)]
    # By the month a saving is for and the day it was paid: December's 50, less 50 on 10 March.
    saved = list(group_a.savings.order_by("month", "paid_on").values_list("month", "paid_on", "deposits"))
    assert saved == [
        (DEC, datetime.date(2021, 12, 28), 50),
        (DEC, datetime.date(2022, 3, 10), -50),
        (JAN, datetime.date(2022, 1, 5), 100),
        (MAR, datetime.date(2022, 3, 5), 100),
    ]
    assert differences() == []


def test_a_move_carries_the_balance_out_of_one_group_into_the_other_and_no_saving(group_a, group_b, leader):
    member = group_a.members.get(number=1)
    deposit(member, leader, DEC, datetime.date(2021, 12, 5), "300")
    day = datetime.date(2022, 1, 12)
    moved = services.member_move(member=member, to_group=group_b, date=day, user=leader, today=day)
    assert balances(member) == [(DEC, 300, 0, 300), (JAN, 0, 300, 0)]
    assert balances(moved) == [(JAN, 300, 0, 300)]
    assert group_b.balances.get().closing == 300 and not group_b.savings.exists()
    assert differences() == []


# The projection equals a rebuild from the rows, whatever was posted, in whatever order.

DAYS = [DEC + datetime.timedelta(days=n) for n in range(4, 150)]  # 5 December 2564 – 1 May 2565
step = st.one_of(
    st.tuples(st.just("deposit"), st.integers(0, 9), st.integers(0, len(DAYS) - 1), st.integers(-3, 2)),
    st.tuples(st.just("withdrawal"), st.integers(0, 9), st.integers(0, len(DAYS) - 1), st.integers(1, 400)),
    st.tuples(st.just("reverse"), st.integers(0, 99), st.integers(0, 40)),
    st.tuples(st.just("sheet"), st.integers(0, 1), st.integers(0, len(DAYS) - 1)),
    # Leaving and moving come after a member's last row: mostly late in the history.
    st.tuples(st.just("leave"), st.integers(0, 9), st.integers(len(DAYS) // 2, len(DAYS) - 1)),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(len(DAYS) // 2, len(DAYS) - 1)),
)


def _post(action, groups, user, posted):
    """Post one step of a history through the services; what they refuse writes nothing."""
    kind, *args = action
    members = list(Member.objects.order_by("pk"))
    if kind == "deposit":
        member, day = members[args[0] % len(members)], DAYS[args[1]]
        month = max(DEC, add_months(month_start(day), args[2]))  # paid late, on time or early
        posted.append(deposit(member, user, month, day, "150"))
    elif kind == "withdrawal":
        member, day = members[args[0] % len(members)], DAYS[args[1]]
        services.withdrawal_post(member=member, date=day, amount=Decimal(args[2]), reason="", user=user)
    elif kind == "reverse" and posted:
        entry = posted[args[0] % len(posted)]
        day = entry.date + datetime.timedelta(days=args[1])  # the same day or later, often another month
        services.entry_reverse(entry=entry, date=day, reason="แก้", user=user)
    elif kind == "sheet":
        group, day = groups[args[0]], DAYS[args[1]]
        month = month_start(day)
        amounts = {m.pk: Decimal("100") for m in group.members.filter(left_on__isnull=True) if m.active_in(month)}
        services.sheet_post(group=group, month=month, paid_on=day, amounts=amounts, user=user)
    elif kind == "leave":
        member, day = members[args[0] % len(members)], DAYS[args[1]]
        services.member_leave(member=member, left_on=day, user=user, today=day)
    elif kind == "move":
        member, day = members[args[0] % len(members)], DAYS[args[1]]
        other = next(g for g in groups if g.pk != member.group_id)
        services.member_move(member=member, to_group=other, date=day, user=user, today=day)


def _from_the_rows(first, last):
    """The network's figures for first..last as they were computed from the ledger's rows before
    the month-end balances: per group, by payment date, and the deposits for the months paid by
    the period's end."""
    end = month_end(last)
    figures = {}
    for group_id, opening, deposits, withdrawals, closing in (
        LedgerEntry.objects.order_by()
        .values_list("group")
        .annotate(
            opening=Sum("amount", filter=Q(date__lt=first)),
            deposits=Sum("amount", filter=Q(date__range=(first, end), kind=EntryKind.DEPOSIT)),
            withdrawals=Sum("amount", filter=Q(date__range=(first, end), kind=EntryKind.WITHDRAWAL)),
            closing=Sum("amount", filter=Q(date__lte=end)),
        )
    ):
        saved = LedgerEntry.objects.filter(
            group=group_id, kind=EntryKind.DEPOSIT, transfer_of__isnull=True, month__range=(first, last), date__lte=end
        ).aggregate(t=Sum("amount"))["t"]
        figures[group_id] = tuple(v or 0 for v in (opening, deposits, -(withdrawals or 0), closing, saved))
    return {group_id: values for group_id, values in figures.items() if any(values)}


@given(history=st.lists(step, min_size=1, max_size=14))
@settings(
    max_examples=400 if DEEP else 30,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_balances_are_what_a_rebuild_from_the_rows_gives_after_every_posting(group_a, group_b, leader, history):
    groups = [group_a, group_b]
    with rolled_back():
        posted = []
        for action in history:
            try:
                _post(action, groups, leader, posted)
            except (services.ValidationError, AlreadyPosted):
                pass  # refused: nothing written
            assert differences() == [], action
        kept = stored()
        services.balances_rebuild()
        assert stored() == kept
        # The network's figures read from them are those the rows give.
        for first, last in ((DEC, JAN), (FEB, FEB), (JAN, APR), (MAR, add_months(APR, 1))):
            money = selectors.network_money(first, last)
            shown = {
                g.group.pk: (g.opening, g.deposits, g.withdrawals, g.closing, g.saved_for_months)
                for g in money.groups
                if any((g.opening, g.deposits, g.withdrawals, g.closing, g.saved_for_months))
            }
            assert shown == _from_the_rows(first, last), (first, last)
            assert money.reconciles


@pytest.mark.django_db(transaction=True)
def test_two_postings_at_once_in_one_group_add_up(group_a, leader, monkeypatch):
    """On PostgreSQL, a withdrawal dated in January, entered late, has read the group's balances
    and is about to write them (moving February's closing) when another member's withdrawal of
    March comes in: the second waits for the first, and March's closing counts both."""
    assert connection.vendor == "postgresql"
    first, second = group_a.members.get(number=1), group_a.members.get(number=2)
    for member in (first, second):
        deposit(member, leader, FEB, datetime.date(2022, 2, 5), "100")
    role, read, second_done = threading.local(), threading.Event(), threading.Event()
    bulk_create = GroupBalance._default_manager.bulk_create

    def paused(rows, *args, **kwargs):
        if getattr(role, "name", None) == "late":
            read.set()
            second_done.wait(timeout=3)  # the other posting is let through, or waits for this one
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(GroupBalance._default_manager, "bulk_create", paused)

    def take_out(member, day, amount):
        services.withdrawal_post(member=member, date=day, amount=Decimal(amount), reason="", user=leader)

    def pay(barrier):
        role.name = "late" if barrier.wait() == 0 else "march"
        if role.name == "late":
            take_out(first, datetime.date(2022, 1, 20), "10")
        else:
            read.wait(timeout=10)
            take_out(second, datetime.date(2022, 3, 9), "50")
            second_done.set()
        return role.name

    assert sorted(at_once(2, pay)) == ["late", "march"]
    assert list(group_a.balances.order_by("month").values_list("month", "closing")) == [
        (JAN, -10),
        (FEB, 190),
        (MAR, 140),
    ]
    assert differences() == []


# A posting is one transaction: the balances move with the rows or not at all.


def test_the_balances_are_written_in_the_transaction_that_writes_the_rows(group_a, leader, monkeypatch):
    member = group_a.members.get(number=1)
    seen = []
    add = services.balances_add

    def watched(*, entries):
        # Called with the rows just written, inside the posting's transaction.
        seen.append((connection.in_atomic_block, LedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).count()))
        add(entries=entries)

    monkeypatch.setattr(services, "balances_add", watched)
    deposit(member, leader, JAN, datetime.date(2022, 1, 5), "100")
    assert seen == [(True, 1)]

    def broken(*, entries):
        raise RuntimeError("the balances could not be written")

    monkeypatch.setattr(services, "balances_add", broken)
    with pytest.raises(RuntimeError):
        deposit(member, leader, FEB, datetime.date(2022, 2, 5), "100")
    assert member.entries.count() == 1  # the row went with the balances


def test_a_posting_that_fails_leaves_the_balances_as_they_were(group_a, group_b, leader, monkeypatch):
    member = group_a.members.get(number=1)
    deposit(member, leader, DEC, datetime.date(2021, 12, 5), "300")
    services.sheet_post(
        group=group_a,
        month=JAN,
        paid_on=datetime.date(2022, 1, 5),
        amounts={m.pk: Decimal("100") for m in group_a.members.all()},
        user=leader,
    )
    before, rows = stored(), LedgerEntry.objects.count()

    # Refused: beyond the balance; the month posted twice.
    with pytest.raises(services.ValidationError):
        services.withdrawal_post(
            member=member, date=datetime.date(2022, 1, 20), amount=Decimal("999"), reason="", user=leader
        )
    with pytest.raises(AlreadyPosted):
        services.sheet_post(
            group=group_a, month=JAN, paid_on=datetime.date(2022, 1, 6), amounts={member.pk: Decimal("5")}, user=leader
        )
    # A move whose second row cannot be written, after the first row and its balances were.
    entries_post, calls = services.entries_post, []

    def second_fails(*, entries):
        calls.append(entries)
        if len(calls) == 2:
            raise IntegrityError("the deposit into the new group failed")
        return entries_post(entries=entries)

    monkeypatch.setattr(services, "entries_post", second_fails)
    day = datetime.date(2022, 1, 25)
    with pytest.raises(IntegrityError):
        services.member_move(member=member, to_group=group_b, date=day, user=leader, today=day)
    assert len(calls) == 2
    assert stored() == before and LedgerEntry.objects.count() == rows
    assert differences() == []


# rebuild_balances: --check on the demo network, and after the balances were tampered with.


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("rebuild_balances", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def demo(settings):
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())


def test_the_check_passes_on_the_demo_network_and_names_each_difference_after_tampering(demo):
    status, out, err = run("--check")
    assert (status, err) == (0, "")
    assert out.strip() == "ยอดสิ้นเดือนตรงกับรายการในบัญชีเงินฝากทุกรายการ"

    # Tampered with by hand: a group's closing, a member's month gone, a deposit day too many.
    group_row = GroupBalance.objects.select_related("group").get(group__name__endswith="แหลมสนอ่อน", month=JAN)
    GroupBalance.objects.filter(pk=group_row.pk).update(closing=F("closing") + 1)
    member_row = MemberBalance.objects.select_related("member__person", "member__group").filter(month=FEB).first()
    MemberBalance.objects.filter(pk=member_row.pk).delete()
    saving = GroupSaving.objects.filter(group=group_row.group).order_by("month").first()
    GroupSaving.objects.create(group=group_row.group, month=saving.month, paid_on=datetime.date(2022, 3, 3), deposits=5)

    status, out, err = run("--check")
    assert status == 1
    lines = out.strip().splitlines()
    assert len(lines) == 3, out
    member, group = member_row.member, group_row.group
    assert lines[0].startswith(f"สมาชิก {member} {member.group} เดือนกุมภาพันธ์ 2565: ที่เก็บไว้ ไม่มีรายการ")
    assert lines[1].startswith(f"{group} เดือนมกราคม 2565: ที่เก็บไว้ ")
    closing = f"{group_row.closing + 1:,.2f}"
    assert f"คงเหลือสิ้นเดือน {closing} บาท" in lines[1] and f"คงเหลือสิ้นเดือน {group_row.closing:,.2f} บาท" in lines[1]
    assert lines[2].startswith(f"{group} เงินฝากของเดือนธันวาคม 2564 ที่ชำระวันที่ 3 มีนาคม 2565: ที่เก็บไว้ 5.00 บาท")
    assert "3 " in err and "rebuild_balances" in err

    # The rebuild makes them again from the rows.
    status, out, err = run()
    assert status == 0 and "สร้างยอดสิ้นเดือนใหม่" in out
    assert run("--check")[0] == 0


# What reads them: the network summary, the dashboard and the CODI report, as of a period's end.


def _post_months(groups, months, user):
    for group in groups:
        for month in months:
            services.sheet_post(
                group=group,
                month=month,
                paid_on=month.replace(day=5),
                amounts={m.pk: Decimal("100") for m in group.members.all()},
                user=user,
            )


def test_the_network_pages_read_no_ledger_row_and_as_many_queries_for_a_longer_ledger(
    client, staff, leader, django_assert_max_num_queries
):
    groups = [make_group(f"กลุ่มที่ {n}", f"ชุมชนที่ {n}", members=4) for n in range(3)]
    this_month = month_start(datetime.date.today())
    last = add_months(this_month, -1)
    period = {"first_0": last.month, "first_1": last.year + 543, "last_0": last.month, "last_1": last.year + 543}
    # The network summary, the dashboard, the CODI report, the list of groups.
    pages = [
        (reverse("groups:summary"), period, 8),
        (reverse("home"), {}, 26),
        (reverse("report"), period, 40),
        (reverse("groups:list"), {}, 6),
    ]
    client.force_login(staff)

    def read():
        counts = []
        for url, data, limit in pages:
            cache.clear()  # the loans' figures worked out each time, not read from the cache
            with django_assert_max_num_queries(limit), CaptureQueriesContext(connection) as queries:
                assert client.get(url, data).status_code == 200
            assert [q["sql"] for q in queries.captured_queries if "groups_ledgerentry" in q["sql"]] == [], url
            counts.append(len(queries))
        return counts

    _post_months(groups, [add_months(this_month, -2), last], leader)
    short = read()
    _post_months(groups, [add_months(this_month, -n) for n in range(30, 2, -1)], leader)  # 15 times the rows
    assert read() == short
    summary = client.get(reverse("groups:summary"), period).context["money"]
    assert (summary.deposits, summary.closing) == (Decimal("1200.00"), Decimal(1200 * 30))


def test_a_closed_periods_figures_are_those_of_the_rows_dated_up_to_its_end(group_a, leader):
    """A deposit for February paid on 3 March, and a January deposit reversed on 2 March, do not
    change the report of December – February produced later; the levy the enterprise posts counts
    what the ledger holds now."""
    a1, a2 = group_a.members.get(number=1), group_a.members.get(number=2)
    wrong = deposit(a1, leader, JAN, datetime.date(2022, 1, 5), "200")
    deposit(a2, leader, FEB, datetime.date(2022, 2, 5), "100")

    def figures():
        money = selectors.network_money(DEC, FEB)
        statement = enterprise_selectors.statement(DEC, month_end(FEB))
        return money.saved_for_months, money.levy, money.months, money.month_ends(), statement.levy_owed

    before = figures()
    assert before[:2] == (Decimal("300.00"), Decimal("15.00")) and before[4] == Decimal("15.00")
    deposit(a1, leader, FEB, datetime.date(2022, 3, 3), "100")
    services.entry_reverse(entry=wrong, date=datetime.date(2022, 3, 2), reason="ผิดยอด", user=leader)
    assert figures() == before
    now = sum(m.deposits for m in selectors.levies_by_group_and_month(DEC, FEB))
    assert now == Decimal("200.00")
    [due] = enterprise_selectors.levy_due(DEC, FEB)
    assert due.deposits == Decimal("200.00") and due.levy == Decimal("10.00")
    # The period that holds March says so.
    assert selectors.network_money(DEC, MAR).saved_for_months == Decimal("200.00")


def test_the_data_migration_fills_the_balances_from_the_rows_already_posted(group_a, group_b, leader):
    """What the upgrade's data migration writes is what a rebuild writes (its own copy of the rule,
    run here on the current models: tests/config/test_upgrade.py runs the migration itself)."""
    import importlib

    from django.apps import apps

    member = group_a.members.get(number=1)
    deposit(member, leader, DEC, datetime.date(2022, 1, 10), "100")
    later = deposit(member, leader, JAN, datetime.date(2022, 1, 11), "100")
    services.entry_reverse(entry=later, date=datetime.date(2022, 2, 1), reason="ผิด", user=leader)
    services.withdrawal_post(
        member=member, date=datetime.date(2022, 3, 1), amount=Decimal("50"), reason="", user=leader
    )
    day = datetime.date(2022, 3, 9)
    services.member_move(member=member, to_group=group_b, date=day, user=leader, today=day)
    kept = stored()
    for model in services.BALANCE_MODELS:
        model.objects.all().delete()
    migration = importlib.import_module("groups.migrations.0008_month_end_balances")
    migration.fill_from_the_ledger(apps, connection.schema_editor())
    assert stored() == kept
