"""A member's commitment becomes a dated series (Commitment), each amount in force from a month.

Until now a member had one commitment that every month since joining was read against. It is
carried into the series as the commitment in force from the month the member joined, so every
month shows the arrears it showed before the upgrade. Its change history (HistoricalMember's
commitment column, which the upgrade drops) is carried into the history of that first Commitment
row, with the same dates and users: the values typed in the admin and when, not dated terms, since
the date of an edit in the admin says when someone typed, not the month a member promised from (a
typo corrected a month later would otherwise become a month of wrong arrears).

Backwards, each member gets back the amount in force now, and the history the amounts of their
first commitment's history."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def _month_start(day):
    return day.replace(day=1)


def carry_commitments_into_series(apps, schema_editor):
    Member = apps.get_model("groups", "Member")
    HistoricalMember = apps.get_model("groups", "HistoricalMember")
    Commitment = apps.get_model("groups", "Commitment")
    HistoricalCommitment = apps.get_model("groups", "HistoricalCommitment")
    members = list(Member.objects.order_by("pk").values_list("pk", "joined_on", "commitment"))
    commitments = Commitment.objects.bulk_create(
        Commitment(member_id=pk, from_month=_month_start(joined_on), amount=amount)
        for pk, joined_on, amount in members
    )
    first = {c.member_id: c for c in commitments}
    history = []
    seen = {}
    for record in HistoricalMember.objects.order_by("id", "history_date", "history_id").iterator(chunk_size=2000):
        commitment = first.get(record.id)
        if commitment is None or record.commitment is None or seen.get(record.id) == record.commitment:
            continue
        history.append(
            HistoricalCommitment(
                id=commitment.pk,
                member_id=record.id,
                from_month=commitment.from_month,
                amount=record.commitment,
                history_date=record.history_date,
                history_user_id=record.history_user_id,
                history_change_reason=record.history_change_reason,
                history_type="~" if record.id in seen else "+",
            )
        )
        seen[record.id] = record.commitment
    HistoricalCommitment.objects.bulk_create(history, batch_size=2000)


def commitments_back_to_one_value(apps, schema_editor):
    import datetime

    Member = apps.get_model("groups", "Member")
    HistoricalMember = apps.get_model("groups", "HistoricalMember")
    Commitment = apps.get_model("groups", "Commitment")
    this_month = _month_start(datetime.date.today())
    amounts = {}
    for member_id, from_month, amount in Commitment.objects.order_by("member", "from_month").values_list(
        "member", "from_month", "amount"
    ):
        if member_id not in amounts or from_month <= this_month:
            amounts[member_id] = amount
    for member in Member.objects.all():
        Member.objects.filter(pk=member.pk).update(commitment=amounts.get(member.pk, 1))
    for member_id, amount in amounts.items():
        HistoricalMember.objects.filter(id=member_id).update(commitment=amount)
    HistoricalMember.objects.filter(commitment__isnull=True).update(commitment=1)


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0005_request_key_in_thai'),
        ('songkhla_network', '0003_personal_data'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Commitment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_month', models.DateField(verbose_name='from month')),
                ('amount', models.DecimalField(decimal_places=2, help_text='The amount (สัจจะ) the member promised to save each month, in baht.', max_digits=12, verbose_name='monthly commitment')),
            ],
            options={
                'verbose_name': 'commitment',
                'verbose_name_plural': 'commitments',
                'ordering': ['member', 'from_month'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalCommitment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('from_month', models.DateField(verbose_name='from month')),
                ('amount', models.DecimalField(decimal_places=2, help_text='The amount (สัจจะ) the member promised to save each month, in baht.', max_digits=12, verbose_name='monthly commitment')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical commitment',
                'verbose_name_plural': 'historical commitments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='commitment',
            name='member',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commitments', to='groups.member', verbose_name='member'),
        ),
        migrations.AddField(
            model_name='historicalcommitment',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalcommitment',
            name='member',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='groups.member', verbose_name='member'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.UniqueConstraint(fields=('member', 'from_month'), name='one_commitment_per_member_and_month', violation_error_message='The member already has a commitment from this month.'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('from_month__day', 1)), name='commitment_from_first_day'),
        ),
        migrations.AddConstraint(
            model_name='commitment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='commitment_positive', violation_error_message='The monthly commitment must be more than 0 baht.'),
        ),
        migrations.RemoveConstraint(
            model_name='member',
            name='member_commitment_positive',
        ),
        migrations.AlterField(
            model_name='member',
            name='commitment',
            field=models.DecimalField(decimal_places=2, help_text='The amount (สัจจะ) the member promised to save each month, in baht.', max_digits=12, null=True, verbose_name='monthly commitment'),
        ),
        migrations.AlterField(
            model_name='historicalmember',
            name='commitment',
            field=models.DecimalField(decimal_places=2, help_text='The amount (สัจจะ) the member promised to save each month, in baht.', max_digits=12, null=True, verbose_name='monthly commitment'),
        ),
        migrations.RunPython(carry_commitments_into_series, commitments_back_to_one_value, elidable=False),
        migrations.RemoveField(
            model_name='historicalmember',
            name='commitment',
        ),
        migrations.RemoveField(
            model_name='member',
            name='commitment',
        ),
    ]
