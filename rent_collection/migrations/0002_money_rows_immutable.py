from django.db import migrations

from songkhla_network.append_only import refuse_row_changes


class Migration(migrations.Migration):
    dependencies = [("rent_collection", "0001_initial")]

    operations = [
        refuse_row_changes(
            "rent_collection_receipt",
            "rent_collection_receiptvoid",
            "rent_collection_remittance",
            "rent_collection_remittanceline",
        )
    ]
