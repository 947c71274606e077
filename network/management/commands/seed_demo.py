from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprise import demo as enterprise_demo
from groups import demo as groups_demo
from housing import demo as housing_demo
from rent_collection import demo as rent_demo
from songkhla_network.models import Role, User
from works import demo as works_demo

DEMO_PASSWORD = "songkhla-demo"
# username, role, first name, last name
DEMO_LOGINS = [
    ("leader", Role.LEADER, "สุนีย์", "รักษ์ถิ่น"),
    ("treasurer_a", Role.TREASURER, "มาลี", "ทองคำ"),
    ("treasurer_b", Role.TREASURER, "ประเสริฐ", "ศรีสุข"),
    ("collector", Role.COLLECTOR, "สมพงษ์", "ชูช่วย"),
    ("staff", Role.STAFF, "กาญจนา", "แก้วมณี"),
]
IMPORT_USER = "import"


class Command(BaseCommand):
    help = (
        "Create the demo network that reproduces the report of 9 March 2565 (communities, savings "
        "groups, members and their deposits) and, with DEMO on, one demo login per role. Safe to "
        "run again: nothing is created twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created, then roll back.")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            # Rows from before the app (the paper books) are posted by this account, which
            # nobody can sign in with.
            importer, __ = User.objects.get_or_create(
                username=IMPORT_USER,
                defaults={"role": Role.STAFF, "first_name": "ข้อมูลนำเข้า", "is_active": False},
            )
            if importer.has_usable_password():
                importer.set_unusable_password()
                importer.save()
            # The demo logins share a published password: only a demo (settings.DEMO, which
            # production refuses) gets them.
            logins = self._logins() if settings.DEMO else {}
            result = groups_demo.seed(
                today=timezone.localdate(),
                user=importer,
                treasurer_a=logins.get("treasurer_a"),
                treasurer_b=logins.get("treasurer_b"),
            )
            self.stdout.write(
                _("Savings groups: %(groups)s in all; %(rows)s new deposit rows.")
                % {"groups": result["groups"], "rows": result["new_rows"]}
            )
            if enterprise_demo.seed(user=importer, today=timezone.localdate()):
                self.stdout.write(
                    _(
                        "Enterprise: the first donation, the levy of December 2564 – February 2565, "
                        "the buying rounds and a batch of each liquid."
                    )
                )
            if housing_demo.seed(user=importer):
                self.stdout.write(_("Housing: 150 households surveyed in December 2564."))
            if rent_demo.seed(
                today=timezone.localdate(), collector=logins.get("collector"), leader=logins.get("leader")
            ):
                self.stdout.write(
                    _(
                        "Railway-land rent: tenancies with their arrears, CODI letters naming the demo collector, "
                        "receipts and a remittance."
                    )
                )
            if works_demo.seed(user=importer, photos=not dry_run):
                self.stdout.write(
                    _(
                        "Community works: Laem Son On's four works with their monthly figures and photos, its first "
                        "places in the municipality and the district, and the provincial round of 16 March 2565."
                    )
                )
            if dry_run:
                transaction.set_rollback(True)
                self.stdout.write(_("Dry run: nothing was saved."))
                return
        if not settings.DEMO:
            self.stdout.write(self.style.WARNING(_("DEMO is off: no demo logins were created.")))
            return
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        for username, role, *__ in DEMO_LOGINS:
            self.stdout.write(f"  {username:<12} {Role(role).label}")
        self.stdout.write(_("Open http://127.0.0.1:8000 and sign in with one of them."))

    def _logins(self):
        logins = {}
        for username, role, first_name, last_name in DEMO_LOGINS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"role": role, "first_name": first_name, "last_name": last_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            logins[username] = user
        return logins
