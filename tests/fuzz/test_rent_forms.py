"""Rent forms under fuzzing: collecting, voiding, remitting to CODI, a rent changed from a month,
the end of a tenancy, the lists' filters and periods (a household's statement's too), and the
request for a new letter. A receipt that goes through takes the next number of the collector's
series and the amount typed; a refused one uses no number. A rent changes from this month or a
later one, a tenancy ends on a day of this month: never a month already due."""

import datetime

import pytest
from django import forms
from django.db.models import Max
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from rent_collection.models import Receipt, ReceiptSeries, ReceiptVoid, Remittance, RemittanceLine, RentChange, Tenancy
from songkhla_network.forms import MoneyField
from songkhla_network.models import Community
from songkhla_network.thai import month_start
from tests.fuzz.harness import TODAY, examples, query, submit

from .strategies import as_list, be, choice, form_data, multi

pytestmark = pytest.mark.django_db


def numbers_without_gaps(outcome):
    for series in ReceiptSeries.objects.all():
        numbers = sorted(Receipt.objects.filter(collector=series.collector_id).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)) and series.next_number == len(numbers) + 1, (
            numbers,
            series.next_number,
        )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_receipt_takes_the_next_number_and_the_amount_typed(personas, rent, collector, data, urlencoded):
    last = Receipt.objects.filter(collector=collector).aggregate(n=Max("number"))["n"]
    posted = data.draw(
        form_data(
            {
                "date": "date",
                "amount": st.sampled_from(["100", "๕๐๐", "1,000.50", "100000"]),
                "accept_advance": "bool",
                "request_key": "uuid",
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({Receipt: 1})
        [receipt] = outcome.added(Receipt)
        assert (receipt.number, receipt.collector_id, receipt.tenancy_id) == (last + 1, collector.pk, rent.tenancy.pk)
        assert receipt.amount == MoneyField().clean(posted["amount"]) and 0 <= receipt.advance <= receipt.amount
        ticked = forms.CheckboxInput().value_from_datadict(posted, {}, "accept_advance")  # as the form reads the box
        assert receipt.advance == 0 or ticked

    url = reverse("rent:collect", args=[rent.tenancy.pk])
    submit(personas["collector"], url, posted, check=check, urlencoded=urlencoded, invariant=numbers_without_gaps)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_voiding_keeps_the_receipt_and_its_number(personas, rent, data, urlencoded):
    receipt = rent.receipts[0]
    posted = data.draw(form_data({"reason": "text"}))

    def check(outcome):
        if outcome.changes:
            outcome.assert_changed({ReceiptVoid: 1})
            [void] = outcome.added(ReceiptVoid)
            assert void.receipt_id == receipt.pk and void.reason == posted["reason"].strip()

    url = reverse("rent:void", args=[receipt.pk])
    submit(personas["collector"], url, posted, check=check, urlencoded=urlencoded, invariant=numbers_without_gaps)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_remittance_is_the_sum_of_its_receipts(personas, rent, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "receipts": multi([r.pk for r in rent.receipts], min_size=1),
                "transfer_date": "date",
                "bank_reference": "text",
                "amount": st.sampled_from(["100", "200", "๒๐๐", "200.00", "300"]),
            },
            multis=["receipts"],
        )
    )

    def check(outcome):
        [remittance] = outcome.added(Remittance)
        receipts = Receipt.objects.filter(remittance_line__remittance=remittance)
        outcome.assert_changed({Remittance: 1, RemittanceLine: receipts.count()})
        assert {r.pk for r in receipts} == {int(pk) for pk in as_list(posted["receipts"])}
        assert remittance.amount == sum(r.amount for r in receipts) == MoneyField().clean(posted["amount"])

    submit(personas["collector"], reverse("rent:remittance_new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_rent_changes_from_this_month_on_or_nothing_is_written(personas, rent, data, urlencoded):
    tenancy = rent.tenancy
    posted = data.draw(form_data({"amount": "money"}, months=["from_month"]))

    def check(outcome):
        outcome.assert_changed({RentChange: 1})
        [added] = outcome.added(RentChange)
        assert added.tenancy_id == tenancy.pk and added.from_month >= month_start(TODAY)
        assert added.amount == MoneyField().clean(posted["amount"])

    url = reverse("rent:rent_change", args=[tenancy.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_tenancy_ends_on_a_day_of_this_month_or_nothing_is_written(personas, rent, data, urlencoded):
    tenancy = rent.tenancy
    posted = data.draw(form_data({"ended_on": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({})
        ended = Tenancy.objects.get(pk=tenancy.pk)
        assert month_start(TODAY) <= ended.ended_on <= TODAY and ended.end_reason == posted["reason"].strip()

    url = reverse("rent:tenancy_end", args=[tenancy.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded)


@given(
    data=st.data(),
    page=st.sampled_from(["rent:tenancy", "rent:statement_xlsx"]),
    persona=st.sampled_from(["leader", "collector", "staff"]),
)
@settings(max_examples=examples(0.5))
def test_a_households_statement_takes_any_period(personas, rent, data, page, persona):
    query(
        personas[persona],
        reverse(page, args=[rent.tenancy.pk]),
        data.draw(form_data({"first": "date", "last": "date"})),
    )


@given(
    data=st.data(),
    page=st.sampled_from(["rent:tenancies", "rent:tenancies_xlsx"]),
    persona=st.sampled_from(["leader", "collector"]),
)
@settings(max_examples=examples(0.5))
def test_the_tenancy_list_takes_any_filter(personas, rent, group_a, data, page, persona):
    posted = data.draw(form_data({"community": choice(["", group_a.community.pk]), "name": "text", "owing": "bool"}))
    query(personas[persona], reverse(page), posted)


@given(
    data=st.data(),
    page=st.sampled_from(["rent:receipts", "rent:receipts_xlsx", "rent:reconciliation", "rent:reconciliation_xlsx"]),
)
@settings(max_examples=examples(0.5))
def test_the_receipt_lists_and_reconciliation_take_any_period(personas, rent, data, page):
    query(personas["leader"], reverse(page), data.draw(form_data({"first": "date", "last": "date"})))


@given(data=st.data(), page=st.sampled_from(["rent:progress", "rent:progress_xlsx"]))
@settings(max_examples=examples(0.5))
def test_the_progress_report_takes_any_months(personas, rent, data, page):
    query(personas["staff"], reverse(page), data.draw(form_data({}, months=["first", "last"])))


@given(data=st.data())
@settings(max_examples=examples(0.4))
def test_the_letter_request_takes_anything_ticked(personas, rent, collector, leader, data):
    communities = list(Community.objects.values_list("pk", flat=True))
    fields = {
        "date": st.sampled_from([be(TODAY), be(TODAY - datetime.timedelta(days=1))]),
        "collectors": multi([collector.pk, leader.pk]),
    }
    for user in (collector, leader):
        fields[f"communities_{user.pk}"] = multi(communities)
    posted = data.draw(form_data(fields, multis=["collectors", *(f"communities_{u.pk}" for u in (collector, leader))]))
    query(personas["staff"], reverse("rent:letter_request"), posted)
