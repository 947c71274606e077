"""Donations and batches can be reversed, each by a record that says when and why.

A donation whose cash book row was reversed before this migration gets its reversal record now,
made from that row (its date, reason, who posted it and when): the donation is then shown reversed
from that date, as it will be for a reversal made from now on. Nothing else changes; every balance
stays as it was. Both new tables refuse UPDATE and DELETE, as every money table does."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from songkhla_network.append_only import refuse_row_changes


def donation_reversals_from_the_cash_book(apps, schema_editor):
    """One reversal record per donation whose cash row was reversed, dated as that reversal row."""
    CashEntry = apps.get_model("enterprise", "CashEntry")
    DonationReversal = apps.get_model("enterprise", "DonationReversal")
    rows = CashEntry.objects.filter(kind="donation", reverses__isnull=False).select_related("reverses")
    for row in rows.order_by("id"):
        if row.reverses.donation_id is None:
            continue
        reversal = DonationReversal.objects.create(
            donation_id=row.reverses.donation_id,
            cash_entry=row,
            date=row.date,
            reason=row.reason,
            posted_by_id=row.posted_by_id,
        )
        # posted_at is set on creation: give it the reversal row's own time (the table refuses
        # updates only from the next operation on).
        DonationReversal.objects.filter(pk=reversal.pk).update(posted_at=row.posted_at)


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise', '0003_constraint_messages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BatchReversal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('posted_at', models.DateTimeField(auto_now_add=True, verbose_name='posted at')),
                ('date', models.DateField(verbose_name='date of the correction')),
                ('reason', models.CharField(max_length=300, verbose_name='reason')),
            ],
            options={
                'verbose_name': 'batch reversal',
                'verbose_name_plural': 'batch reversals',
                'ordering': ['-date', '-id'],
            },
        ),
        migrations.CreateModel(
            name='DonationReversal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('posted_at', models.DateTimeField(auto_now_add=True, verbose_name='posted at')),
                ('date', models.DateField(verbose_name='date of the correction')),
                ('reason', models.CharField(max_length=300, verbose_name='reason')),
            ],
            options={
                'verbose_name': 'donation reversal',
                'verbose_name_plural': 'donation reversals',
                'ordering': ['-date', '-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='materialmovement',
            name='material_movement_sign',
        ),
        migrations.AlterField(
            model_name='materialmovement',
            name='kind',
            field=models.CharField(choices=[('bought', 'Bought'), ('used', 'Used in a batch'), ('returned', 'Back from a reversed batch'), ('spoiled', 'Spoiled'), ('counted', 'Stock count correction'), ('reversed', 'Purchase reversed')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='materialmovement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'bought'), ('quantity__gt', 0), ('value__gt', 0)), models.Q(('kind', 'returned'), ('quantity__gt', 0), ('value__gte', 0)), models.Q(('kind__in', ['used', 'spoiled', 'reversed']), ('quantity__lt', 0), ('value__lte', 0)), ('kind', 'counted'), _connector='OR'), name='material_movement_sign'),
        ),
        migrations.AddField(
            model_name='batchreversal',
            name='batch',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reversal', to='enterprise.batch', verbose_name='batch'),
        ),
        migrations.AddField(
            model_name='batchreversal',
            name='posted_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='posted by'),
        ),
        migrations.AddField(
            model_name='donationreversal',
            name='cash_entry',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='donation_reversal', to='enterprise.cashentry', verbose_name='cash book entry'),
        ),
        migrations.AddField(
            model_name='donationreversal',
            name='donation',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reversal', to='enterprise.donation', verbose_name='donation'),
        ),
        migrations.AddField(
            model_name='donationreversal',
            name='posted_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='posted by'),
        ),
        migrations.AddConstraint(
            model_name='batchreversal',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='batch_reversal_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='donationreversal',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='donation_reversal_has_reason'),
        ),
        migrations.RunPython(donation_reversals_from_the_cash_book, migrations.RunPython.noop),
        refuse_row_changes("enterprise_donationreversal", "enterprise_batchreversal"),
    ]
