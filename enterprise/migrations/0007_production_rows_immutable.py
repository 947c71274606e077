from django.db import migrations

from songkhla_network.append_only import refuse_row_changes


class Migration(migrations.Migration):
    dependencies = [("enterprise", "0006_rawmaterial_batch_historicalrawmaterial_and_more")]

    operations = [refuse_row_changes("enterprise_batch", "enterprise_materialmovement", "enterprise_liquidsale")]
