"""Savings forms under fuzzing: the collection sheet, deposits, withdrawals, reversals, the month
and period choosers, and membership (joining, a new commitment, leaving, moving). A sheet that goes
through writes one ledger row per member with an amount, each exactly what was typed; nothing else
ever moves."""

from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db.models import Sum
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from groups.models import CollectionSheet, Commitment, EntryKind, LedgerEntry, Member
from groups.selectors import balance_differences
from groups.services import BALANCE_MODELS
from songkhla_network.forms import BEMonthField, MoneyField
from songkhla_network.models import Person
from songkhla_network.thai import add_months, be_month_slug
from tests.fuzz.harness import THIS_MONTH, examples, query, submit

from .strategies import form_data, nasty

pytestmark = pytest.mark.django_db


def money(value):
    return MoneyField(required=False).clean(value)


def month(data, name):
    return BEMonthField().clean([data.get(f"{name}_0"), data.get(f"{name}_1")])


def balances_never_negative(outcome):
    negative = LedgerEntry.objects.values("member").annotate(balance=Sum("amount")).filter(balance__lt=0)
    assert not negative.exists(), f"negative balances: {list(negative)}"
    # The month-end balances say what the rows say, whatever was posted or refused.
    differences = [d for model in BALANCE_MODELS for d in balance_differences(model)]
    assert not differences, differences


@given(
    data=st.data(),
    slug=st.integers(0, 4).flatmap(
        lambda n: nasty if n == 0 else st.just(be_month_slug(THIS_MONTH))
    ),  # mostly this month
    urlencoded=st.booleans(),
)
@settings(max_examples=examples())
def test_the_collection_sheet_posts_exactly_what_was_typed_or_nothing(personas, savings, data, slug, urlencoded):
    members = list(savings.members.order_by("number"))
    amounts = st.sampled_from(["", "", "100", "๑๕๐", "1,000.50", "20"])  # a blank: the member did not pay
    fields = {"paid_on": "date", **{f"amount_{m.pk}": amounts for m in members}}
    posted = data.draw(form_data(fields))
    url = (
        f"/groups/{savings.pk}/sheet/{quote(slug, safe='')}/"
        if slug
        else reverse("groups:sheet_choose", args=[savings.pk])
    )

    def check(outcome):
        if not outcome.changes:
            assert slug != be_month_slug(THIS_MONTH), "this month's sheet answered with a redirect but posted nothing"
            return
        outcome.assert_changed({CollectionSheet: 1, LedgerEntry: None})
        [sheet] = outcome.added(CollectionSheet)
        entries = list(outcome.added(LedgerEntry))
        expected = {m.pk: money(posted.get(f"amount_{m.pk}")) for m in members}
        expected = {pk: amount for pk, amount in expected.items() if amount}
        assert {e.member_id: e.amount for e in entries} == expected
        assert all(
            e.sheet_id == sheet.pk and e.kind == EntryKind.DEPOSIT and e.month == sheet.month == THIS_MONTH
            for e in entries
        )
        assert sum(e.amount for e in entries) == sum(expected.values())

    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_deposit_is_one_row_of_the_amount_typed(personas, savings, data, urlencoded):
    member = savings.members.get(number=1)
    posted = data.draw(form_data({"request_key": "uuid", "date": "date", "amount": "money"}, months=["month"]))

    def check(outcome):
        outcome.assert_changed({LedgerEntry: 1})
        [entry] = outcome.added(LedgerEntry)
        assert (entry.member_id, entry.kind, entry.amount, entry.month) == (
            member.pk,
            EntryKind.DEPOSIT,
            money(posted["amount"]),
            month(posted, "month"),
        )

    url = reverse("groups:deposit", args=[savings.pk, member.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_withdrawal_is_one_row_never_beyond_the_balance(personas, savings, data, urlencoded):
    member = savings.members.get(number=1)
    posted = data.draw(
        form_data(
            {
                "request_key": "uuid",
                "date": "date",
                "amount": st.sampled_from(["50", "100", "๑๐๐", "100.01", "0.5"]),
                "reason": "text",
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({LedgerEntry: 1})
        [entry] = outcome.added(LedgerEntry)
        assert (entry.member_id, entry.kind, entry.amount) == (
            member.pk,
            EntryKind.WITHDRAWAL,
            -money(posted["amount"]),
        )

    url = reverse("groups:withdraw", args=[savings.pk, member.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_reversal_is_one_row_of_the_opposite_amount(personas, savings, data, urlencoded):
    entry = LedgerEntry.objects.get(member__group=savings, member__number=1)
    posted = data.draw(form_data({"date": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({LedgerEntry: 1})
        [reversal] = outcome.added(LedgerEntry)
        assert (reversal.reverses_id, reversal.amount, reversal.member_id) == (entry.pk, -entry.amount, entry.member_id)

    url = reverse("groups:reverse", args=[savings.pk, entry.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_choosing_a_sheet_month_never_breaks(personas, savings, data):
    query(
        personas["treasurer_a"],
        reverse("groups:sheet_choose", args=[savings.pk]),
        data.draw(form_data({}, months=["month"])),
    )


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_the_network_summary_takes_any_period(personas, savings, data):
    query(personas["staff"], reverse("groups:summary"), data.draw(form_data({}, months=["first", "last"])))


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_the_deposit_page_takes_any_month_in_its_address(personas, savings, data):
    member = savings.members.get(number=1)
    query(personas["treasurer_a"], reverse("groups:deposit", args=[savings.pk, member.pk]), {"month": data.draw(nasty)})


# Membership at the meeting: joining, a new commitment, leaving, moving.


def _month_fields(name):
    """A month field as the form sends it: mostly this month or the next, in B.E."""
    months = [THIS_MONTH, add_months(THIS_MONTH, 1), add_months(THIS_MONTH, 2)]
    return {
        f"{name}_0": st.sampled_from([str(m.month) for m in months]),
        f"{name}_1": st.sampled_from(sorted({str(m.year + 543) for m in months})),
    }


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_adding_a_member_adds_one_membership_and_its_commitment_or_nothing(personas, savings, data, urlencoded):
    known = Person.objects.create(first_name="มาลี", last_name="ศรีสุข", community=savings.community)
    outsider = Person.objects.create(first_name="มาลี", last_name="ต่างถิ่น")
    fields = {
        "q": st.sampled_from(["", "มาลี", "สมาชิก"]),
        "person": st.sampled_from(["", "", str(known.pk), str(outsider.pk)]),
        "title": st.sampled_from(["", "นาง", "นาย"]),
        "first_name": "text",
        "last_name": "text",
        "phone": st.sampled_from(["", "0812345678"]),
        "number": st.sampled_from(["", "4", "๕", "1", "10"]),
        "joined_on": "date",
        "commitment": "money",
        **_month_fields("first_month"),
    }
    posted = data.draw(form_data(fields))

    def check(outcome):
        outcome.assert_only(Member, Commitment, Person)
        [member] = outcome.added(Member)
        [commitment] = outcome.added(Commitment)
        assert member.group_id == savings.pk and commitment.member_id == member.pk
        assert commitment.amount == money(posted["commitment"])
        assert commitment.from_month >= THIS_MONTH
        assert member.person.community_id == savings.community_id
        assert outcome.changes.get("songkhla_network.Person", 0) == (0 if member.person_id == known.pk else 1)

    submit(
        personas["treasurer_a"],
        reverse("groups:member_add", args=[savings.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
        invariant=balances_never_negative,
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_commitment_change_is_one_commitment_from_this_month_on_or_nothing(personas, savings, data, urlencoded):
    member = savings.members.get(number=1)
    posted = data.draw(form_data({"amount": "money", **_month_fields("from_month")}))

    def check(outcome):
        outcome.assert_only(Commitment)
        changed = member.commitments.order_by("-id").first()
        assert changed.from_month >= THIS_MONTH and changed.amount == money(posted["amount"])
        # The months before keep theirs.
        assert member.commitments.order_by("from_month").first().from_month < THIS_MONTH

    url = reverse("groups:commitment", args=[savings.pk, member.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_leaving_pays_out_the_whole_balance_once_or_writes_nothing(personas, savings, data, urlencoded):
    member = savings.members.get(number=1)
    posted = data.draw(form_data({"request_key": "uuid", "left_on": "date"}))

    def check(outcome):
        outcome.assert_changed({LedgerEntry: 1})
        [payout] = outcome.added(LedgerEntry)
        assert (payout.member_id, payout.kind, payout.amount) == (member.pk, EntryKind.WITHDRAWAL, Decimal("-100.00"))
        member.refresh_from_db()
        assert member.left_on == payout.date and member.left_on >= THIS_MONTH

    url = reverse("groups:leave", args=[savings.pk, member.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_move_carries_the_balance_across_whole_or_writes_nothing(personas, savings, group_b, data, urlencoded):
    member = savings.members.get(number=1)
    fields = {
        "request_key": "uuid",
        "to_group": st.sampled_from([str(group_b.pk), str(savings.pk), "999999"]),
        "date": "date",
        "number": st.sampled_from(["", "", "1", "7", "๘"]),
        "commitment": "money",
    }
    posted = data.draw(form_data(fields))

    def check(outcome):
        outcome.assert_changed({Member: 1, Commitment: 1, LedgerEntry: 2})
        [moved] = outcome.added(Member)
        out, into = outcome.added(LedgerEntry)
        assert (moved.group_id, moved.person_id) == (group_b.pk, member.person_id)
        assert (out.member_id, out.amount, into.member_id, into.amount) == (
            member.pk,
            Decimal("-100.00"),
            moved.pk,
            Decimal("100.00"),
        )
        assert into.transfer_of_id == out.pk

    url = reverse("groups:move", args=[savings.pk, member.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=balances_never_negative)
