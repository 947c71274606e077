"""Write the network's full copy of its records to a file, without the browser: for a network too
large for a download to finish within the web server's time limit, or for a scheduled copy.

    python manage.py full_export --user leader --output songkhla-network.xlsx

The copy holds personal data unmasked: it is written in the personal-data access log under the
leader or staff member named, as a download from the page is.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from network.full_export import full_copy
from songkhla_network.models import Role, User


class Command(BaseCommand):
    help = "Write the full copy of the network's records (Excel) for a leader or staff member, logged as their export."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", required=True, help="username of the active leader or staff member the copy is for"
        )
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, user, output, **options):
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError("The output is an Excel file: its name ends in .xlsx.")
        exported_by = User.objects.filter(username=user, is_active=True, role__in=[Role.LEADER, Role.STAFF]).first()
        if exported_by is None:
            raise CommandError(
                f"No active leader or staff member is called {user!r}: the copy is written for one of them."
            )
        with translation.override("th"):
            workbook, people = full_copy(exported_by=exported_by, now=timezone.now())
            workbook.save(path)
        self.stdout.write(
            f"{path}: {len(workbook.sheetnames)} sheets, {people:,} people, {path.stat().st_size:,} bytes"
        )
