"""The reads written out by hand (songkhla_network.sql) give what the ORM gives: the same objects,
field by field, the same rows, the same rule."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Q, signals

from groups import selectors, services
from groups.interest import schedule
from groups.models import SAVING, LedgerEntry, Member
from groups.selectors import _passbook_rows
from songkhla_network import sql
from songkhla_network.models import Community, Person, Role
from tests.factories import make_group, make_user
from works.models import Photo

pytestmark = pytest.mark.django_db


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.fixture
def group():
    group = make_group("กลุ่มออมทรัพย์ทดสอบ", "ชุมชนทดสอบ", members=3)
    leader = make_user("leader", Role.LEADER)
    first, second, _third = group.members.order_by("number")
    for month, amount in ((datetime.date(2022, 1, 1), "100.00"), (datetime.date(2022, 2, 1), "150.50")):
        services.deposit_post(member=first, month=month, date=month.replace(day=5), amount=Decimal(amount), user=leader)
    wrong = services.deposit_post(
        member=second,
        month=datetime.date(2022, 1, 1),
        date=datetime.date(2022, 1, 5),
        amount=Decimal("90"),
        user=leader,
    )
    services.entry_reverse(entry=wrong, date=datetime.date(2022, 1, 6), reason="ผิดยอด", user=leader)
    return group


def test_instances_are_the_objects_the_orm_reads(group):
    rows = sql.fetch(
        f"SELECT {sql.columns(Member, 'm')}, {sql.columns(Person, 'p')} FROM {Member._meta.db_table} m"
        f" JOIN {Person._meta.db_table} p ON p.id = m.person_id ORDER BY m.id",
        [],
    )
    members = sql.instances(Member, rows)
    people = sql.instances(Person, rows, sql.width(Member))
    expected = list(Member.objects.select_related("person").order_by("id"))
    assert [_fields(m) for m in members] == [_fields(m) for m in expected]
    assert [_fields(p) for p in people] == [_fields(m.person) for m in expected]
    assert all(not m._state.adding for m in members)  # as read from the database: saving updates
    assert all(
        m._state.db == "default" and vars(m).keys() == vars(e).keys() for m, e in zip(members, expected, strict=True)
    )
    assert members[0].group == expected[0].group  # a foreign key reads its object
    members[0].number = 99
    members[0].save(update_fields=["number"])
    assert Member.objects.get(pk=members[0].pk).number == 99


def test_a_model_built_otherwise_is_built_by_the_orm(group):
    """A model with a receiver of post_init, or a field whose descriptor acts when set (a file),
    is built through Model.from_db, as the ORM builds it."""
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(receiver, sender=Person)
    try:
        people = sql.instances(
            Person, sql.fetch(f"SELECT {sql.columns(Person, 'p')} FROM {Person._meta.db_table} p", [])
        )
    finally:
        signals.post_init.disconnect(receiver, sender=Person)
    assert seen == [p.pk for p in people] and people
    assert sql._plain(Member) and sql._plain(Person) and not sql._plain(Photo)


def test_a_rule_written_as_sql_picks_the_rows_the_orm_picks(group):
    condition, params = sql.condition(LedgerEntry, SAVING)
    rows = sql.fetch(f"SELECT id FROM {LedgerEntry._meta.db_table} WHERE {condition} ORDER BY id", params)
    expected = list(LedgerEntry.objects.filter(SAVING).order_by("id").values_list("id", flat=True))
    assert [pk for (pk,) in rows] == expected
    other, _ = sql.condition(LedgerEntry, Q(kind="withdrawal"))
    assert other != condition  # a different rule, a different statement (not a cached one)


def test_a_prepared_query_runs_for_each_value_as_the_orm_would(group):
    first, second, third = group.members.order_by("number")
    for member in (first, second, third, first):
        assert selectors._PASSBOOK.rows(member.pk) == list(_passbook_rows(member.pk))
    assert len(selectors._PASSBOOK.rows(first.pk)) == 2
    assert len(selectors._PASSBOOK.rows(second.pk)) == 2  # the deposit and its reversal
    assert selectors._PASSBOOK.rows(third.pk) == []


def test_a_prepared_query_without_its_marker_is_refused(group):
    prepared = sql.PreparedValues(lambda pk: LedgerEntry.objects.filter(member_id=1).values("id"))
    with pytest.raises(ValueError):
        prepared.rows(1)


def _entries(first, last, member_pk):
    return (
        LedgerEntry.objects.filter(date__range=(first, last), member_id=member_pk)
        .exclude(date=first)  # the first day twice among the parameters
        .order_by("date", "id")
    )


def test_a_prepared_query_of_days_and_ids_runs_for_each_as_the_orm_would(group):
    """Each parameter is put where the ORM puts it, a day compared twice in both places; the rows
    come as the queryset gives them (tuples, values when flat, dicts)."""
    kinds = (datetime.date, datetime.date, int)
    as_tuples = sql.PreparedValues(lambda *a: _entries(*a).values_list("date", "amount"), *kinds)
    as_values = sql.PreparedValues(lambda *a: _entries(*a).values_list("amount", flat=True), *kinds)
    as_dicts = sql.PreparedValues(lambda *a: _entries(*a).values("id", "kind"), *kinds)
    first, second, _third = group.members.order_by("number")
    days = [
        datetime.date(2021, 12, 31),
        datetime.date(2022, 1, 5),
        datetime.date(2022, 1, 6),
        datetime.date(2022, 3, 1),
    ]
    found = 0
    for start in days:
        for end in days:
            for member in (first, second):
                args = (start, end, member.pk)
                assert as_tuples.rows(*args) == list(_entries(*args).values_list("date", "amount"))
                assert as_values.rows(*args) == list(_entries(*args).values_list("amount", flat=True))
                assert as_dicts.rows(*args) == list(_entries(*args).values("id", "kind"))
                found += len(as_tuples.rows(*args))
    assert found > 10  # the days chosen find rows, and not always the same
    assert as_tuples.rows(days[0], days[-1], first.pk) == [
        (datetime.date(2022, 1, 5), Decimal("100.00")),
        (datetime.date(2022, 2, 5), Decimal("150.50")),
    ]
    assert as_tuples.rows(days[1], days[-1], first.pk) == [(datetime.date(2022, 2, 5), Decimal("150.50"))]


def test_a_prepared_query_refuses_values_of_other_types(group):
    prepared = sql.PreparedValues(lambda *a: _entries(*a).values_list("id"), datetime.date, datetime.date, int)
    day = datetime.date(2022, 1, 1)
    for args in (
        (datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC), day, 1),  # a datetime is not a day
        (day, day, True),  # nor a bool an id
        (day, "2022-01-31", 1),
        (day, day, None),
        (day, day),
    ):
        with pytest.raises(TypeError):
            prepared.rows(*args)
    with pytest.raises(ValueError):
        sql.PreparedValues(lambda *a: _entries(*a).values_list("id"), datetime.date, str)
    objects = sql.PreparedValues(lambda *a: _entries(*a), datetime.date, datetime.date, int)
    with pytest.raises(ValueError):
        objects.rows(day, day, 1)  # model instances: not a prepared query's


def test_rows_by_id_in_the_order_of_their_names(django_assert_num_queries):
    for name in ("ชุมชนบ่อยาง", "ชุมชนเก้าแสน", "Community A", "ชุมชนกุโบร์"):
        make_group(f"กลุ่ม{name}", name)
    communities = Community.objects.order_by("name", "pk")
    chosen = [c.pk for c in communities][1:3]
    with django_assert_num_queries(1):
        everyone = sql.by_pk(Community)
    assert [_fields(c) for c in everyone.values()] == [_fields(c) for c in communities]
    assert list(everyone) == [c.pk for c in communities]
    assert list(sql.by_pk(Community, set(chosen))) == chosen
    with django_assert_num_queries(0):
        assert sql.by_pk(Community, []) == {}


def test_members_with_money_as_the_rows_say(group):
    month = datetime.date(2022, 2, 1)
    first, second, third = selectors.members_with_money(group, month=month, today=datetime.date(2022, 3, 10))
    assert (first.paid_to_date, first.paid_this_month, first.balance) == (
        Decimal("250.50"),
        Decimal("150.50"),
        Decimal("250.50"),
    )
    assert (second.paid_to_date, second.balance, second.arrears) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("300.00"),
    )
    assert third.person.first_name == "สมาชิก3" and third.group is group
    alone = selectors.member_with_money(group.members.get(number=1), month=month, today=datetime.date(2022, 3, 10))
    assert (alone.paid_to_date, alone.arrears) == (first.paid_to_date, first.arrears)


def test_a_schedule_worked_out_once_is_not_shared():
    first = schedule(Decimal("1000.00"), Decimal("1.00"), 10, "flat", datetime.date(2022, 1, 1))
    first.clear()
    again = schedule(Decimal("1000"), Decimal("1"), 10, "flat", datetime.date(2022, 1, 1))
    assert len(again) == 10 and sum(i.principal for i in again) == Decimal("1000.00")
    with pytest.raises(ValueError):
        schedule(Decimal("1000.00"), Decimal("1.00"), True, "flat", datetime.date(2022, 1, 1))
    with pytest.raises(ValueError):
        schedule(1000.0, Decimal("1.00"), 10, "flat", datetime.date(2022, 1, 1))


def test_the_network_figures_written_out_are_the_orm_s(group):
    """network_money, levies_by_group_and_month, status_counts and current_statuses read by hand
    give what the ORM reads from the same rows: each group's balances, moves, members and levy,
    the months, the groups' steps."""
    from django.db.models import OuterRef, Subquery, Sum

    from groups.models import GroupBalance, GroupSaving, GroupStatus, GroupStatusChange, SavingsGroup

    other = make_group("กลุ่มที่สอง", "ชุมชนที่สอง", members=2)
    services.group_status_change(
        group=other, status=GroupStatus.DORMANT, date=datetime.date(2022, 1, 20), today=datetime.date(2022, 1, 20)
    )
    services.group_status_change(
        group=other, status=GroupStatus.REVIVED, date=datetime.date(2022, 2, 3), today=datetime.date(2022, 2, 3)
    )
    leader = make_user("leader2", Role.LEADER)
    member = other.members.get(number=1)
    services.deposit_post(
        member=member,
        month=datetime.date(2022, 1, 1),
        date=datetime.date(2022, 2, 5),
        amount=Decimal("33.35"),
        user=leader,
    )
    first, last = datetime.date(2022, 1, 1), datetime.date(2022, 2, 1)
    for groups in (None, [other], []):
        money = selectors.network_money(first, last, groups)
        chosen = (
            SavingsGroup.objects.all() if groups is None else SavingsGroup.objects.filter(pk__in=[g.pk for g in groups])
        )
        before = GroupBalance.objects.filter(group=OuterRef("pk")).order_by("-month").values("closing")
        expected = {
            g.pk: (g.opening or Decimal("0.00"), g.closing or Decimal("0.00"))
            for g in chosen.annotate(
                opening=Subquery(before.filter(month__lt=first)[:1]),
                closing=Subquery(before.filter(month__lte=last)[:1]),
            )
        }
        assert {m.group.pk: (m.opening, m.closing) for m in money.groups} == expected
        assert [m.group.name for m in money.groups] == sorted(g.name for g in chosen)
        assert all(m.group.community.name.startswith("ชุมชน") for m in money.groups)
        in_period = GroupBalance.objects.filter(month__range=(first, last), group__in=chosen)
        for m in money.groups:
            rows = in_period.filter(group=m.group)
            assert (m.deposits, m.withdrawals) == (
                sum((r.money_in for r in rows), Decimal("0.00")),
                sum((r.money_out for r in rows), Decimal("0.00")),
            )
            assert m.members == m.group.members.count() and m.reconciles
        by_month = in_period.order_by().values_list("month").annotate(i=Sum("money_in"), o=Sum("money_out"))
        assert money.moved == {month: money_in - money_out for month, money_in, money_out in by_month}
        savings = GroupSaving.objects.filter(
            month__range=(first, last), group__in=chosen, paid_on__lte=datetime.date(2022, 2, 28)
        )
        levies = selectors.levies_by_group_and_month(first, last, groups=groups, as_of=datetime.date(2022, 2, 28))
        assert [(m.group_id, m.month, m.deposits) for m in levies] == list(
            savings.order_by("group_id", "month").values_list("group", "month").annotate(Sum("deposits"))
        )
        lean = selectors.network_money(first, last, groups, levy=False)
        assert (
            lean.months
            == money.months
            == {month: total for month, total in savings.order_by().values_list("month").annotate(Sum("deposits"))}
        )
    # Paid in February for January: there by the end of February, not by the end of January.
    assert [m.deposits for m in selectors.levies_by_group_and_month(first, last, groups=[other])] == [Decimal("33.35")]
    assert selectors.levies_by_group_and_month(first, last, groups=[other], as_of=datetime.date(2022, 1, 31)) == []
    latest = {}
    for change in GroupStatusChange.objects.order_by("date", "id"):
        latest[change.group_id] = change
    assert selectors.current_statuses() == latest and selectors.current_statuses([other]) == {
        other.pk: latest[other.pk]
    }
    assert selectors.current_statuses([]) == {}
    counts = selectors.status_counts(first, last)
    assert counts.revived == [other] and counts.revived[0].community.name == "ชุมชนที่สอง" and counts.founded == []
