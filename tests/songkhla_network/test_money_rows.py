"""Money rows cannot be changed even by a bug: every append-only table of every program area has
the database trigger, and PostgreSQL itself refuses a raw UPDATE or DELETE on each of them."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from songkhla_network.models import AppendOnly
from tests.helpers import PROJECT_APPS

pytestmark = pytest.mark.django_db

APP_LABELS = set(PROJECT_APPS)


def money_models():
    return sorted(
        (m for m in apps.get_models() if m._meta.app_label in APP_LABELS and issubclass(m, AppendOnly)),
        key=lambda m: m._meta.db_table,
    )


def test_every_money_table_has_the_trigger():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {row[0] for row in cursor.fetchall()}
    tables = [m._meta.db_table for m in money_models()]
    assert len(tables) >= 15  # ledger, cash book, levy, payments, stock, receipts, remittances...
    missing = [t for t in tables if f"{t}_immutable" not in triggers]
    assert not missing, f"money tables the database would let a bug rewrite: {missing}"


def test_the_database_refuses_raw_updates_and_deletes_of_every_money_row(settings):
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    tried = 0
    for model in money_models():
        row = model.objects.order_by("pk").first()
        if row is None:
            continue
        table, pk = model._meta.db_table, model._meta.pk.column
        for sql in (
            f'UPDATE "{table}" SET "{pk}" = "{pk}" WHERE "{pk}" = %s',
            f'DELETE FROM "{table}" WHERE "{pk}" = %s',
        ):
            with pytest.raises(DatabaseError, match="never updated or deleted"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [row.pk])
        tried += 1
    assert tried >= 10
