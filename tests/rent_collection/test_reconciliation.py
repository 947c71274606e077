"""Every rent ledger reconciles, whatever the history. Hypothesis makes random histories of a year —
households with opening arrears, rents raised from a month, receipts by two collectors, voids,
remittances to CODI, a tenancy that ends — posted day by day through the services, and checks:

- a household: its balance, computed here from the history alone, is the one every read gives
  (alone, among all, its statement, its page, its statement in Excel), and its statement of any
  period reconciles: brought forward + rent due − paid + voided = carried forward;
- a community and the network, month by month and over the period: brought forward + brought in
  + rent due − collected = carried forward = arrears − advance, the communities adding up to the
  network, the arrears being the households';
- the collectors' cash: in hand before + received − voided − remitted = in hand after, per
  collector, per community and in total, agreeing with cash in hand on both days and with the
  receipts list;
- the CODI report's rent (its page figures and its Excel summary) is the same figures;
- a period that has closed reads the same after the rest of the history is posted.

`make test` runs a few derandomized examples; for a deeper search:
    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh tests/rent_collection/test_reconciliation.py
"""

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from network.codi_report import codi_report, codi_report_workbook
from network.sections import rent_section
from rent_collection import selectors, services
from rent_collection.models import Receipt, Tenancy, month_index
from songkhla_network.thai import add_months, month_end, month_start
from tests.factories import RENT_LETTER_FROM, RENT_OPENING_ON, be_day, client_for, make_letter, make_tenancy

pytestmark = pytest.mark.django_db

D = Decimal
ZERO = D("0.00")
ONE_DAY = datetime.timedelta(days=1)
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
YEAR = 330  # days of history from the letter's first day
RENTS = ["100", "150", "200", "250", "300"]
STATS = {}

HOUSEHOLDS = st.lists(
    st.fixed_dictionaries(
        {
            "community": st.sampled_from([0, 1]),
            "opening": st.integers(min_value=0, max_value=40).map(lambda n: D(n * 50)),
            "rent": st.sampled_from(RENTS),
            "opening_on": st.sampled_from([RENT_OPENING_ON, datetime.date(2022, 5, 15), datetime.date(2022, 8, 31)]),
        }
    ),
    min_size=1,
    max_size=4,
)
DAY = st.integers(min_value=0, max_value=YEAR)
RECEIPT = st.tuples(st.just("receipt"), DAY, st.integers(0, 3), st.integers(1, 150_000).map(lambda s: D(s) / 100))
VOID = st.tuples(st.just("void"), DAY, st.integers(0, 30))
REMIT = st.tuples(st.just("remit"), DAY, st.integers(0, 1))
RENT = st.tuples(st.just("rent"), DAY, st.integers(0, 3), st.sampled_from(RENTS), st.booleans())
END = st.tuples(st.just("end"), DAY, st.integers(0, 3))
EVENTS = st.tuples(
    st.lists(RECEIPT, min_size=3, max_size=12),
    st.lists(VOID, max_size=4),
    st.lists(REMIT, max_size=4),
    st.lists(RENT, max_size=4),
    st.lists(END, max_size=2),
).map(lambda kinds: [event for events in kinds for event in events])
# The period checked: its first and last month, as months after the letter's first.
PERIOD = st.tuples(st.integers(0, 10), st.integers(0, 10)).map(sorted)


# The history as the test keeps it: the oracle the app's figures are checked against.


@dataclass
class Kept:
    tenancy: Tenancy
    rents: dict = field(default_factory=dict)  # month index -> amount from it
    ended_on: datetime.date | None = None
    receipts: list = field(default_factory=list)  # [receipt, void date or None]

    def rent_in(self, index):
        starts = sorted(self.rents)
        return self.rents[max([s for s in starts if s <= index], default=starts[0])]

    def balance(self, day):
        """Opening + each month's rent at the rent then in force − receipts by day + voids by day."""
        tenancy = self.tenancy
        if day < tenancy.opening_on:
            return tenancy.opening_balance
        first = max(month_index(tenancy.opening_on) + 1, month_index(tenancy.start_date) + (tenancy.start_date.day > 1))
        last = month_index(day) if self.ended_on is None else min(month_index(day), month_index(self.ended_on))
        due = sum((self.rent_in(i) for i in range(first, last + 1)), ZERO)
        paid = sum((r.amount for r, _v in self.receipts if r.date <= day), ZERO)
        voided = sum((r.amount for r, v in self.receipts if v is not None and v <= day), ZERO)
        return tenancy.opening_balance + due - paid + voided


def post(history, events, collectors, until):
    """Post the `events` dated up to `until` (and not yet posted), day by day, as on their day;
    what a service refuses is left out, as a collector or leader would be refused."""
    for event in sorted(events, key=lambda e: e[1]):
        if event in history["posted"]:
            continue
        day = RENT_LETTER_FROM + datetime.timedelta(days=event[1])
        if day > until:
            continue
        history["posted"].append(event)
        kind, households = event[0], history["households"]
        try:
            if kind == "receipt":
                kept = households[event[2] % len(households)]
                collector = collectors[kept.tenancy.community_id]
                receipt = services.receipt_post(
                    collector=collector,
                    tenancy=kept.tenancy,
                    date=day,
                    amount=event[3],
                    user=collector,
                    accept_advance=True,
                    today=day,
                )
                kept.receipts.append([receipt, None])
            elif kind == "void":
                held = [
                    entry
                    for kept in households
                    for entry in kept.receipts
                    if entry[1] is None and not hasattr(Receipt.objects.get(pk=entry[0].pk), "remittance_line")
                ]
                if held:
                    entry = held[event[2] % len(held)]
                    services.receipt_void(receipt=entry[0], reason="ผิด", user=entry[0].collector, today=day)
                    entry[1] = day
            elif kind == "remit":
                collector = list(collectors.values())[event[2]]
                waiting = list(selectors.unremitted_receipts(collector).filter(date__lte=day))
                if waiting:
                    services.remittance_post(
                        collector=collector,
                        receipts=waiting,
                        transfer_date=day,
                        bank_reference=f"KTB-{len(history['posted'])}",
                        amount=sum(r.amount for r in waiting),
                        user=collector,
                        today=day,
                    )
            elif kind == "rent":
                kept = households[event[2] % len(households)]
                month = add_months(month_start(day), int(event[4]))
                services.rent_change(
                    tenancy=kept.tenancy, from_month=month, amount=D(event[3]), user=history["leader"], today=day
                )
                kept.rents[month_index(month)] = D(event[3])
            elif kind == "end":
                kept = households[event[2] % len(households)]
                services.tenancy_end(
                    tenancy=kept.tenancy, ended_on=day, reason="ย้ายออก", user=history["leader"], today=day
                )
                kept.ended_on = day
        except ValidationError:
            STATS[kind + " refused"] = STATS.get(kind + " refused", 0) + 1
        else:
            STATS[kind] = STATS.get(kind, 0) + 1


def figures(client, history, first, last):
    """Every rent figure of the period `first`..`last` (whole months), checked for the identities and
    against the history as it goes; returned to be compared later."""
    households = history["households"]
    for kept in households:
        kept.tenancy = Tenancy.objects.get(pk=kept.tenancy.pk)
    end_before = first - ONE_DAY
    seen = {}

    # A household.
    bulk = {b.tenancy.pk: b for b in selectors.tenancy_balances(last)}
    for kept in households:
        tenancy = kept.tenancy
        expected = kept.balance(last)
        alone = selectors.tenancy_balance(tenancy, last)
        statement = selectors.tenancy_statement(tenancy, last, first=first)
        assert alone.balance == bulk[tenancy.pk].balance == statement.closing == expected
        assert statement.opening == (
            tenancy.opening_balance if first <= tenancy.opening_on else kept.balance(end_before)
        )
        assert statement.opening + statement.rent_due - statement.paid + statement.voided == statement.closing
        balance = statement.opening
        for line in statement.lines[1:]:
            balance += line.charge - line.payment
            assert line.balance == balance
        query = {"first": be_day(first), "last": be_day(last)}
        page = client.get(reverse("rent:tenancy", args=[tenancy.pk]), query).context["statement"]
        assert (page.opening, page.rent_due, page.paid, page.voided, page.closing) == (
            statement.opening,
            statement.rent_due,
            statement.paid,
            statement.voided,
            statement.closing,
        )
        sheet = load_workbook(BytesIO(client.get(reverse("rent:statement_xlsx", args=[tenancy.pk]), query).content))
        rows = list(sheet.worksheets[0].iter_rows(min_row=2, values_only=True))
        assert [D(str(x or 0)) for x in rows[-1][3:]] == [
            statement.rent_due,
            statement.paid,
            statement.voided,
            expected,
        ]
        assert D(str(rows[0][6])) == statement.opening
        seen[f"statement {tenancy.pk}"] = [
            (line.date, line.kind, line.charge, line.payment, line.balance) for line in statement.lines
        ]

    # A community and the network, month by month.
    progress = selectors.progress_by_month(first, last)
    known = [kept for kept in households if kept.tenancy.opening_on <= last]
    rows = [*progress.total, progress.period, *(m for c in progress.communities for m in [*c.months, c.period])]
    for m in rows:
        assert m.opening + m.brought_in + m.rent_due - m.collected == m.balance == m.arrears - m.credit
    for k, month in enumerate(progress.total):
        of_communities = [c.months[k] for c in progress.communities]
        for name in (
            "opening",
            "brought_in",
            "rent_due",
            "received",
            "voided",
            "balance",
            "arrears",
            "credit",
            "tenancies",
        ):
            assert getattr(month, name) == sum((getattr(c, name) for c in of_communities), 0 * getattr(month, name))
        counted = [kept for kept in households if kept.tenancy.opening_on <= month_end(month.month)]
        assert month.balance == sum((kept.balance(month_end(month.month)) for kept in counted), ZERO)
        assert month.arrears == sum((max(ZERO, kept.balance(month_end(month.month))) for kept in counted), ZERO)
    assert progress.period.arrears == sum((max(ZERO, kept.balance(last)) for kept in known), ZERO)
    summary = selectors.arrears_summary(last)
    assert (summary.total.arrears, summary.total.credit, summary.total.tenancies) == (
        progress.period.arrears,
        progress.period.credit,
        progress.period.tenancies,
    )
    by_community = {c.community.pk: c.period for c in progress.communities}
    for row in summary.communities:
        assert (row.arrears, row.balance) == (
            by_community[row.community.pk].arrears,
            by_community[row.community.pk].balance,
        )
    seen["progress"] = [
        (m.month, m.opening, m.brought_in, m.rent_due, m.received, m.voided, m.balance, m.arrears) for m in rows
    ]

    # The collectors' cash.
    report = selectors.reconciliation(first, last)
    for row in [*report.by_collector, *report.by_community, report.total]:
        assert row.in_hand_before + row.received - row.voided - row.remitted == row.in_hand_after
    for name in ("in_hand_before", "received", "voided", "remitted"):
        total = getattr(report.total, name)
        assert total == sum((getattr(r, name) for r in report.by_collector), ZERO)
        assert total == sum((getattr(r, name) for r in report.by_community), ZERO)
    assert report.total.in_hand_after == sum((c.in_hand for c in selectors.cash_in_hand(last)), ZERO)
    assert report.total.in_hand_before == sum((c.in_hand for c in selectors.cash_in_hand(end_before)), ZERO)
    assert report.total.collected == progress.period.collected
    listed = selectors.receipts_report(Receipt.objects.all(), first, last)
    assert (listed.received, listed.voided) == (report.total.received, report.total.voided)
    seen["cash"] = [
        (str(r.key), r.in_hand_before, r.received, r.voided, r.remitted)
        for r in [*report.by_collector, *report.by_community]
    ]

    # The CODI report's rent.
    codi = codi_report(first, month_start(last), issued=last)
    section = rent_section(first, last)
    assert codi.rent.arrears.total.arrears == section.arrears.total.arrears == summary.total.arrears
    assert [m.collected for m in codi.rent.months] == [m.collected for m in progress.total]
    assert codi.reconciliation.total.collected == section.collected == report.total.collected
    assert codi.reconciliation.total.in_hand_after == report.total.in_hand_after
    summary_sheet = {row[0]: row[1] for row in codi_report_workbook(codi).worksheets[0].iter_rows(values_only=True)}
    assert D(str(summary_sheet[gettext("Rent collected in the period (baht)")])) == report.total.collected
    assert D(str(summary_sheet[gettext("Rent arrears outstanding at the end (baht)")])) == summary.total.arrears
    seen["codi"] = (codi.rent.arrears.total, codi.reconciliation.total)
    return seen


@settings(
    max_examples=200 if DEEP else 12,
    derandomize=not DEEP,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(households=HOUSEHOLDS, events=EVENTS, period=PERIOD)
def test_every_rent_ledger_reconciles_and_a_closed_period_stays_as_it_was(
    collector, leader, railway_a, railway_b, households, events, period
):
    first, last = add_months(RENT_LETTER_FROM, period[0]), month_end(add_months(RENT_LETTER_FROM, period[1]))
    end = RENT_LETTER_FROM + datetime.timedelta(days=YEAR)
    with transaction.atomic():
        communities = [railway_a, railway_b]
        make_letter([(collector, [railway_a]), (leader, [railway_b])], valid_to=end)
        history = {"leader": leader, "posted": [], "households": []}
        for h in households:
            tenancy = make_tenancy(
                communities[h["community"]], rent=h["rent"], opening=h["opening"], opening_on=h["opening_on"]
            )
            history["households"].append(Kept(tenancy=tenancy, rents={month_index(tenancy.start_date): D(h["rent"])}))
        collectors = {railway_a.pk: collector, railway_b.pk: leader}
        client = client_for(leader)

        post(history, events, collectors, until=last)
        closed = figures(client, history, first, last)
        post(history, events, collectors, until=end)
        assert figures(client, history, first, last) == closed
        # And the whole year, with everything posted.
        figures(client, history, RENT_LETTER_FROM, month_end(end))
        transaction.set_rollback(True)
    print(STATS, period, len(households))
