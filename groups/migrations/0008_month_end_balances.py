"""Month-end balances, a projection of the savings ledger: per member and per group, what came in
and went out on the days of each month and the balance at its end; per group, its deposits for
each month by the day they were paid. Filled here from the rows already posted, as
groups.services.balances_rebuild would (the historical models, the same rules), so the network's
figures read from them say what they said before the upgrade. Backwards, the tables go."""

from collections import defaultdict
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

ZERO = Decimal("0.00")


def fill_from_the_ledger(apps, schema_editor):
    LedgerEntry = apps.get_model("groups", "LedgerEntry")
    db = schema_editor.connection.alias
    rows = LedgerEntry.objects.using(db).order_by()
    for model_name, owner in (("MemberBalance", "member"), ("GroupBalance", "group")):
        model = apps.get_model("groups", model_name)
        moves = (
            rows.annotate(paid_month=TruncMonth("date"))
            .values(owner, "paid_month")
            .annotate(
                money_in=Coalesce(Sum("amount", filter=Q(kind="deposit")), Value(ZERO)),
                money_out=Coalesce(Sum(-F("amount"), filter=Q(kind="withdrawal")), Value(ZERO)),
            )
            .values_list(owner, "paid_month", "money_in", "money_out")
        )
        closing = defaultdict(lambda: ZERO)  # per owner, months in order: a running sum
        balances = []
        for owner_id, month, money_in, money_out in sorted(moves):
            closing[owner_id] += money_in - money_out
            balances.append(
                model(
                    **{f"{owner}_id": owner_id},
                    month=month,
                    money_in=money_in,
                    money_out=money_out,
                    closing=closing[owner_id],
                )
            )
        model.objects.using(db).bulk_create(balances, batch_size=2000)
    GroupSaving = apps.get_model("groups", "GroupSaving")
    saved = (
        rows.filter(kind="deposit", transfer_of__isnull=True)
        .values("group", "month", "date")
        .annotate(deposits=Sum("amount"))
        .values_list("group", "month", "date", "deposits")
    )
    GroupSaving.objects.using(db).bulk_create(
        (
            GroupSaving(group_id=group_id, month=month, paid_on=paid_on, deposits=deposits)
            for group_id, month, paid_on, deposits in saved
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0007_moves_and_rejoining'),
    ]

    operations = [
        migrations.CreateModel(
            name='GroupBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('money_in', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='money in')),
                ('money_out', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='money out')),
                ('closing', models.DecimalField(decimal_places=2, max_digits=12, verbose_name="balance at the month's end")),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='balances', to='groups.savingsgroup', verbose_name='group')),
            ],
            options={
                'verbose_name': "group's month-end balance",
                'verbose_name_plural': "groups' month-end balances",
                'ordering': ['group_id', 'month'],
                'indexes': [models.Index(fields=['month'], name='group_balance_month')],
                'constraints': [models.UniqueConstraint(fields=('group', 'month'), name='one_balance_per_group_and_month'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='group_balance_month_is_first_day')],
            },
        ),
        migrations.CreateModel(
            name='GroupSaving',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='for month')),
                ('paid_on', models.DateField(verbose_name='date')),
                ('deposits', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='deposits')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='savings', to='groups.savingsgroup', verbose_name='group')),
            ],
            options={
                'verbose_name': "group's deposits for a month, by day paid",
                'verbose_name_plural': "groups' deposits for a month, by day paid",
                'ordering': ['group_id', 'month', 'paid_on'],
                'indexes': [models.Index(fields=['month'], name='group_saving_month')],
                'constraints': [models.UniqueConstraint(fields=('group', 'month', 'paid_on'), name='one_saving_per_group_month_and_day'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='saving_month_is_first_day')],
            },
        ),
        migrations.CreateModel(
            name='MemberBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('money_in', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='money in')),
                ('money_out', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='money out')),
                ('closing', models.DecimalField(decimal_places=2, max_digits=12, verbose_name="balance at the month's end")),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='balances', to='groups.member', verbose_name='member')),
            ],
            options={
                'verbose_name': "member's month-end balance",
                'verbose_name_plural': "members' month-end balances",
                'ordering': ['member_id', 'month'],
                'constraints': [models.UniqueConstraint(fields=('member', 'month'), name='one_balance_per_member_and_month'), models.CheckConstraint(condition=models.Q(('month__day', 1)), name='member_balance_month_is_first_day')],
            },
        ),
        migrations.RunPython(fill_from_the_ledger, migrations.RunPython.noop, elidable=False),
    ]
