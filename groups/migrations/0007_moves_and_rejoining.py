"""A member may move to another group and come back, or leave and join again: once a member now,
any number of times before. A move carries the member's balance across: the deposit in the new
group points to the withdrawal in the old one (transfer_of), and is a deposit in full."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0006_commitments_in_force_from_a_month'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='member',
            name='member_once_per_group',
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(condition=models.Q(('left_on__isnull', True)), fields=('group', 'person'), name='member_current_once_per_group', violation_error_message='This person is already a member of the group.'),
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='transfer_of',
            field=models.OneToOneField(blank=True, help_text="The withdrawal in the member's former group whose balance this deposit carries across.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='transferred_to', to='groups.ledgerentry', verbose_name='carries across'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.CheckConstraint(condition=models.Q(('transfer_of__isnull', True), models.Q(('amount__gt', 0), ('kind', 'deposit'), ('reverses__isnull', True)), _connector='OR'), name='entry_transfer_is_a_deposit'),
        ),
    ]
