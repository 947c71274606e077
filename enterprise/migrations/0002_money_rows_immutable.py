from django.db import migrations

from songkhla_network.append_only import refuse_row_changes


class Migration(migrations.Migration):
    dependencies = [("enterprise", "0001_initial")]

    operations = [
        refuse_row_changes(
            "enterprise_donation",
            "enterprise_levyposting",
            "enterprise_levyline",
            "enterprise_cashentry",
            "enterprise_memberpayment",
            "enterprise_stockmovement",
            "enterprise_batch",
            "enterprise_materialmovement",
            "enterprise_liquidsale",
        )
    ]
