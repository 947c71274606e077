"""Write the progress report to CODI without the browser, for scheduled runs:

python manage.py codi_report --from 2564-12 --to 2565-02 --output report.pdf
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from network.codi_report import codi_report, codi_report_workbook
from songkhla_network.pdf import render_pdf
from songkhla_network.thai import be_date, be_month, parse_be_month_slug


class Command(BaseCommand):
    help = (
        "Write the network's progress report to CODI for a period of months (B.E., e.g. 2564-12) as a PDF, or as "
        "Excel when the output ends in .xlsx."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="first month, B.E.: YYYY-MM, e.g. 2564-12")
        parser.add_argument("--to", dest="last", required=True, help="last month, B.E.: YYYY-MM, e.g. 2565-02")
        parser.add_argument("--output", required=True, help="file to write: .pdf, or .xlsx for the tables")

    def handle(self, *args, first, last, output, **options):
        first_month, last_month = parse_be_month_slug(first), parse_be_month_slug(last)
        if first_month is None or last_month is None:
            raise CommandError("Months are B.E. years and month numbers, e.g. --from 2564-12 --to 2565-02.")
        if last_month < first_month:
            raise CommandError("--to comes before --from.")
        path = Path(output)
        with translation.override("th"):
            report = codi_report(first_month, last_month, issued=timezone.localdate())
            if path.suffix.lower() == ".xlsx":
                codi_report_workbook(report).save(path)
            else:
                path.write_bytes(
                    render_pdf("network/codi_report_pdf.html", {"report": report, "printed_on": be_date(report.issued)})
                )
            period = f"{be_month(report.first)} – {be_month(report.last)}"
        self.stdout.write(f"{path}: {period}, {path.stat().st_size:,} bytes")
