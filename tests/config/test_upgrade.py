"""Upgrades keep data. A database made by the last landed commit, holding the demo network, is
migrated by this code: every table keeps its rows, and every ledger the same balance.

The old side runs the landed commit's own code (`git archive`), with its own API; the new side runs
this tree's. When a landing brings new migrations, LAST_LANDED moves to it and OLD_FIGURES is
brought up to its API.
"""

import datetime
import json
import os
import subprocess
import sys
import tarfile
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]
# The commit the network runs today: main as the last session landed it (CI passed).
LAST_LANDED = "1d3cfff64616f48016592797d519967de35becc5"
# The demo's first savings months: the network summary at the end of February 2565 is the seed's.
FIRST, LAST = datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)

# Each script prints JSON: the ledgers' figures as that commit's own code computes them. Keys are
# names people know (a member's number in a group, a tenancy's plot), not ids.
NEW_FIGURES = """
import datetime, json
import django
django.setup()
from django.db.models import Sum
from django.utils import timezone
from enterprise import selectors as enterprise
from enterprise.models import Product, RawMaterial, Recipe
from groups.models import LedgerEntry, Loan, Member, SavingsGroup
from groups.selectors import group_fund, loan_position, network_money
from rent_collection.models import Tenancy
from rent_collection.selectors import tenancy_balance

today = timezone.localdate()
first, last = datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)
print(json.dumps({
    "members": {
        f"{m.group.name} #{m.number}": str(LedgerEntry.objects.filter(member=m).aggregate(t=Sum("amount"))["t"] or 0)
        for m in Member.objects.select_related("group")
    },
    "groups": {
        g.name: str(LedgerEntry.objects.filter(group=g).aggregate(t=Sum("amount"))["t"] or 0)
        for g in SavingsGroup.objects.all()
    },
    "network_closing_feb_2565": str(network_money(first, last).closing),
    # The groups' funds and their loans: cash, lent out and interest earned, and where each loan stands.
    "funds": {
        g.name: [str(v) for v in (f.cash, f.lent_out, f.savings, f.income)]
        for g in SavingsGroup.objects.all()
        for f in [group_fund(g, today)]
    },
    "loans": {
        f"{loan.group.name} #{loan.member.number} {loan.applied_on}": [
            str(p.outstanding), str(p.interest_paid), p.days_overdue
        ] if (p := loan_position(loan, today)) else None
        for loan in Loan.objects.select_related("group", "member")
    },
    "tenancies": {
        f"{t.community.name} {t.plot}": str(tenancy_balance(t, today).balance) for t in Tenancy.objects.all()
    },
    # A current value moved into its dated series: the latest of the series is that value.
    "commitments": {
        f"{m.group.name} #{m.number}": str(m.commitments.order_by("from_month").last().amount)
        for m in Member.objects.select_related("group")
    },
    "rents": {
        f"{t.community.name} {t.plot}": str(t.rents.order_by("from_month").last().amount) for t in Tenancy.objects.all()
    },
    "cash": str(enterprise.cash_balance()),
    "stock": {p.name: str(enterprise.stock_on_hand(p)) for p in Product.objects.all()},
    "materials": {m.name: [str(v) for v in enterprise.material_stock(m)] for m in RawMaterial.objects.all()},
    "liquids": {r.name: str(enterprise.liquid_in_stock(r)) for r in Recipe.objects.all()},
}))
"""

# The landed commit reads its figures through the same API as this tree (dated commitments and
# rents came with it); when the API changes, OLD_FIGURES becomes a script of its own again.
OLD_FIGURES = NEW_FIGURES


def _run(tree, args, database, media_root, settings_module):
    env = {key: value for key, value in os.environ.items() if key not in ("DEMO", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    # The landed commit made its demo logins with DEBUG on (DEMO, which this code asks for, is
    # refused with PostgreSQL: the migration needs no login).
    env.update(
        DATABASE_URL=database_url(database),
        MEDIA_ROOT=str(media_root),
        DEBUG="1",
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    result = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(args)} in {tree}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def _counts(database):
    """Rows per table of the project's apps, read straight from the database."""
    params = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=database, user=params["USER"], password=params["PASSWORD"], host=params["HOST"], port=params["PORT"]
        ) as db,
        db.cursor() as cursor,
    ):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def landed_tree(tmp_path):
    """The last landed commit's files, as they were."""
    archive = subprocess.run(["git", "archive", LAST_LANDED], cwd=ROOT, capture_output=True)
    assert archive.returncode == 0, (
        f"git cannot find the last landed commit {LAST_LANDED}: clone the repository with its history "
        f"(not --depth 1). {archive.stderr.decode()}"
    )
    tree = tmp_path / "landed"
    tree.mkdir()
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def test_a_database_of_the_last_landed_commit_keeps_every_row_and_balance_after_migrating(
    landed_tree, new_database, tmp_path
):
    database, media = new_database(), tmp_path / "media"
    old_settings = "config.settings"
    _run(landed_tree, ["manage.py", "migrate", "--no-input"], database, media, old_settings)
    _run(landed_tree, ["manage.py", "seed_demo"], database, media, old_settings)
    before_counts = _counts(database)
    before = json.loads(_run(landed_tree, ["-c", OLD_FIGURES], database, media, old_settings))

    _run(ROOT, ["manage.py", "migrate", "--no-input"], database, media, "config.settings")
    after_counts = _counts(database)
    after = json.loads(_run(ROOT, ["-c", NEW_FIGURES], database, media, "config.settings"))
    # The month-end balances kept beside the rows still agree with them (exit 1 and a Thai list
    # of the differences otherwise).
    _run(ROOT, ["manage.py", "rebuild_balances", "--check"], database, media, "config.settings")

    # Nothing lost: every table is still there with at least the rows it had (a migration may add
    # rows to a table, e.g. a dated series made from a current value, never drop any).
    lost = {t: (n, after_counts.get(t)) for t, n in before_counts.items() if after_counts.get(t, -1) < n}
    assert not lost, f"tables that lost rows or are gone (before, after): {lost}"
    # Every ledger as it was.
    assert after == before
    # The seed's figure still stands: savings of 56,225.00 baht at the end of February 2565.
    assert Decimal(after["network_closing_feb_2565"]) == Decimal("56225.00")
    assert sum(before_counts.values()) > 10_000  # the demo network was really there
    assert any(position and Decimal(position[0]) > 0 for position in after["loans"].values())  # and lent
