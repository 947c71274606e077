from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from groups import selectors, services
from groups.models import GroupBalance, GroupSaving, Member, MemberBalance, SavingsGroup
from songkhla_network.thai import be_date, be_month, format_baht

SHOWN = 50  # differences printed one by one; the rest are counted


@contextmanager
def one_view_of_the_database():
    """The ledger and the balances as of one moment, however long the comparison takes: a posting
    that commits meanwhile is seen in neither, never in one and not the other."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


class Command(BaseCommand):
    help = (
        "Make the month-end balances of members and groups (and the groups' deposits by day paid, "
        "which the levy reads) again from the savings ledger's rows, in one transaction. With "
        "--check, write nothing: compare them with the rows, print every difference, and exit "
        "with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare without writing (a dry run): exit 0 when the balances agree with the rows, 1 when not.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            self._check()
            return
        written = services.balances_rebuild()
        self.stdout.write(
            _(
                "Month-end balances made again from the savings ledger's rows: %(members)s of members, "
                "%(groups)s of groups and %(savings)s of deposits by day paid."
            )
            % {"members": written[MemberBalance], "groups": written[GroupBalance], "savings": written[GroupSaving]}
        )

    def _check(self):
        shown, count = [], 0
        with one_view_of_the_database():
            for model in services.BALANCE_MODELS:
                for difference in selectors.balance_differences(model):
                    count += 1
                    if len(shown) < SHOWN:
                        shown.append(difference)
        if not count:
            self.stdout.write(_("The month-end balances agree with the savings ledger's rows."))
            return
        members = Member.objects.select_related("person", "group").in_bulk(
            [d.key[0] for d in shown if d.model is MemberBalance]
        )
        groups = SavingsGroup.objects.in_bulk([d.key[0] for d in shown if d.model is not MemberBalance])
        for difference in shown:
            self.stdout.write(
                _("%(row)s: kept %(kept)s, but the ledger's rows give %(ledger)s.")
                % {
                    "row": self._row(difference, members, groups),
                    "kept": self._figures(difference.model, difference.kept),
                    "ledger": self._figures(difference.model, difference.ledger),
                }
            )
        if count > len(shown):
            self.stdout.write(_("… and %(count)s more differences.") % {"count": count - len(shown)})
        self.stderr.write(
            _(
                "%(count)s month-end balances differ from the savings ledger's rows. "
                "Run `manage.py rebuild_balances` to make them again from the rows."
            )
            % {"count": count}
        )
        raise SystemExit(1)

    @staticmethod
    def _row(difference, members, groups):
        owner, month, *paid_on = difference.key
        if difference.model is MemberBalance:
            member = members.get(owner)
            return _("Member %(member)s of %(group)s, %(month)s") % {
                "member": member or owner,
                "group": member.group if member else "?",
                "month": be_month(month),
            }
        group = groups.get(owner, owner)
        if difference.model is GroupBalance:
            return _("%(group)s, %(month)s") % {"group": group, "month": be_month(month)}
        return _("%(group)s, deposits for %(month)s paid on %(date)s") % {
            "group": group,
            "month": be_month(month),
            "date": be_date(paid_on[0]),
        }

    @staticmethod
    def _figures(model, figures):
        if figures is None:
            return _("no row")
        if model is GroupSaving:
            return _("%(deposits)s baht") % {"deposits": format_baht(figures[0])}
        money_in, money_out, closing = figures
        return _("in %(in)s, out %(out)s, balance at the month's end %(closing)s baht") % {
            "in": format_baht(money_in),
            "out": format_baht(money_out),
            "closing": format_baht(closing),
        }
