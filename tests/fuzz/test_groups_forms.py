"""Savings forms under fuzzing: the collection sheet, deposits, withdrawals, reversals and the
month and period choosers. A sheet that goes through writes one ledger row per member with an
amount, each exactly what was typed; nothing else ever moves."""

from urllib.parse import quote

import pytest
from django.db.models import Sum
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from groups.models import CollectionSheet, EntryKind, LedgerEntry
from songkhla_network.forms import BEMonthField, MoneyField
from songkhla_network.thai import be_month_slug
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
