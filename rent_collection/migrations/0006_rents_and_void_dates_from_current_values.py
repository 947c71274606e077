"""Carries what is there into the new shapes:

- each tenancy's one monthly rent becomes the first row of its rent series, in force from the month
  its contract started (and so for every month since: nothing it owed changes), with the change
  history of that rent (who typed which amount, when) moved to the history of the series' row;
- each void gets the date it was recorded (its posting day in Bangkok, never before its receipt's
  date): from the upgrade on, a void counts from its own day.

Voids are money rows, whose table refuses UPDATE in PostgreSQL: the refusal is lifted for this one
filling of a new column, inside the migration's transaction, and put back at once."""

from django.db import migrations
from django.utils import timezone

VOID_TABLE = "rent_collection_receiptvoid"
VOID_TRIGGER = f"{VOID_TABLE}_immutable"


def rents_from_monthly_rent(apps, schema_editor):
    Tenancy = apps.get_model("rent_collection", "Tenancy")
    RentChange = apps.get_model("rent_collection", "RentChange")
    HistoricalTenancy = apps.get_model("rent_collection", "HistoricalTenancy")
    HistoricalRentChange = apps.get_model("rent_collection", "HistoricalRentChange")
    for tenancy in Tenancy.objects.order_by("pk"):
        rent = RentChange.objects.create(
            tenancy=tenancy, from_month=tenancy.start_date.replace(day=1), amount=tenancy.monthly_rent
        )
        # The rent's change history, as the tenancy's history kept it: one record per amount typed.
        amount = None
        for record in HistoricalTenancy.objects.filter(id=tenancy.pk).order_by("history_date", "history_id"):
            if record.history_type == "-" or record.monthly_rent == amount:
                continue
            HistoricalRentChange.objects.create(
                id=rent.pk,
                tenancy_id=tenancy.pk,
                from_month=rent.from_month,
                amount=record.monthly_rent,
                history_date=record.history_date,
                history_type="+" if amount is None else "~",
                history_user_id=record.history_user_id,
                history_change_reason=record.history_change_reason,
            )
            amount = record.monthly_rent
        if amount != rent.amount:  # no history, or a change it did not record
            HistoricalRentChange.objects.create(
                id=rent.pk,
                tenancy_id=tenancy.pk,
                from_month=rent.from_month,
                amount=rent.amount,
                history_date=timezone.now(),
                history_type="+" if amount is None else "~",
            )


def monthly_rent_from_rents(apps, schema_editor):
    """Backwards: the rent in force in the current month becomes the tenancy's one rent."""
    Tenancy = apps.get_model("rent_collection", "Tenancy")
    RentChange = apps.get_model("rent_collection", "RentChange")
    this_month = timezone.localdate().replace(day=1)
    for tenancy in Tenancy.objects.order_by("pk"):
        rents = list(RentChange.objects.filter(tenancy=tenancy).order_by("from_month"))
        current = [r for r in rents if r.from_month <= this_month] or rents
        if current:
            Tenancy.objects.filter(pk=tenancy.pk).update(monthly_rent=current[-1].amount)
    RentChange.objects.all().delete()


def _void_rows_changeable(schema_editor, changeable):
    if schema_editor.connection.vendor == "postgresql":
        action = "DISABLE" if changeable else "ENABLE"
        schema_editor.execute(f"ALTER TABLE {VOID_TABLE} {action} TRIGGER {VOID_TRIGGER};", params=None)


def void_dates_from_posting(apps, schema_editor):
    ReceiptVoid = apps.get_model("rent_collection", "ReceiptVoid")
    voids = list(ReceiptVoid.objects.filter(date__isnull=True).select_related("receipt"))
    if not voids:
        return
    _void_rows_changeable(schema_editor, True)
    for void in voids:
        day = max(timezone.localdate(void.posted_at), void.receipt.date)
        ReceiptVoid.objects.filter(pk=void.pk).update(date=day)
    _void_rows_changeable(schema_editor, False)


def forget_void_dates(apps, schema_editor):
    ReceiptVoid = apps.get_model("rent_collection", "ReceiptVoid")
    _void_rows_changeable(schema_editor, True)
    ReceiptVoid.objects.update(date=None)
    _void_rows_changeable(schema_editor, False)



class Migration(migrations.Migration):
    dependencies = [("rent_collection", "0005_rent_series_tenancy_end_void_date")]

    operations = [
        migrations.RunPython(rents_from_monthly_rent, monthly_rent_from_rents),
        migrations.RunPython(void_dates_from_posting, forget_void_dates),
    ]
