"""`make bench` (scripts/loadtest): the bench network at a larger ledger scale, built whole and
recognised when reused, and the check that the network summary and the dashboard answer within
twice the group page's time."""

import datetime

import pytest

from groups.models import CollectionSheet, EntryKind, GroupBalance, LedgerEntry, SavingsGroup
from scripts.loadtest import dataset, pages
from scripts.loadtest.client import Page
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
