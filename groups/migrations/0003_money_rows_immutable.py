from django.db import migrations

from songkhla_network.append_only import refuse_row_changes


class Migration(migrations.Migration):
    dependencies = [("groups", "0002_initial")]

    operations = [refuse_row_changes("groups_ledgerentry", "groups_collectionsheet")]
