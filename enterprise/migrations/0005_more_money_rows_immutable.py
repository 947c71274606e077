from django.db import migrations

from songkhla_network.append_only import refuse_row_changes


class Migration(migrations.Migration):
    dependencies = [("enterprise", "0004_buyinground_received_at_cashentry_buying_round_and_more")]

    operations = [refuse_row_changes("enterprise_memberpayment", "enterprise_stockmovement")]
