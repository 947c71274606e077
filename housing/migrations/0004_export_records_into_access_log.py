"""The housing survey's export records move into the network's one personal-data access log
(songkhla_network.PersonalDataAccess), with their user, what, rows and time; then the old table
goes."""

from django.db import migrations


def move_records(apps, schema_editor):
    ExportRecord = apps.get_model("housing", "ExportRecord")
    PersonalDataAccess = apps.get_model("songkhla_network", "PersonalDataAccess")
    for record in ExportRecord.objects.order_by("at", "id"):
        entry = PersonalDataAccess.objects.create(user_id=record.user_id, action="exported", what=record.what, rows=record.rows)
        PersonalDataAccess.objects.filter(pk=entry.pk).update(at=record.at)  # `at` is set on creation


def move_back(apps, schema_editor):
    ExportRecord = apps.get_model("housing", "ExportRecord")
    PersonalDataAccess = apps.get_model("songkhla_network", "PersonalDataAccess")
    for entry in PersonalDataAccess.objects.filter(action="exported", person__isnull=True).order_by("at", "id"):
        record = ExportRecord.objects.create(user_id=entry.user_id, what=entry.what[:200], rows=entry.rows or 0)
        ExportRecord.objects.filter(pk=record.pk).update(at=entry.at)


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0003_constraint_messages"),
        ("songkhla_network", "0003_personal_data"),
    ]

    operations = [
        migrations.RunPython(move_records, move_back),
        migrations.DeleteModel(name="ExportRecord"),
    ]
