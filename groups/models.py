"""Commitment-savings groups (กลุ่มสัจจะออมทรัพย์): groups and their life, members, and the ledger
of their deposits and withdrawals."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from songkhla_network.models import AppendOnly, Community, Person, PostedRow, Role
from songkhla_network.thai import MONTHS, be_month, month_end


class GroupStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    FOUNDED = "founded", _("Founded")
    DORMANT = "dormant", _("Dormant")
    REVIVED = "revived", _("Revived")


ACTIVE_STATUSES = (GroupStatus.FOUNDED, GroupStatus.REVIVED)

# The order of a group's life: what may follow its last step (None: a group with no step yet).
# A group starts forming, or is recorded as founded outright; it may then go dormant and be
# revived, again and again.
NEXT_STATUSES: dict[str | None, tuple[str, ...]] = {
    None: (GroupStatus.FORMING, GroupStatus.FOUNDED),
    GroupStatus.FORMING: (GroupStatus.FOUNDED,),
    GroupStatus.FOUNDED: (GroupStatus.DORMANT,),
    GroupStatus.DORMANT: (GroupStatus.REVIVED,),
    GroupStatus.REVIVED: (GroupStatus.DORMANT,),
}


class SavingsGroup(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="savings_groups"
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    meeting_day = models.PositiveSmallIntegerField(
        _("meeting day"),
        null=True,
        blank=True,
        help_text=_("Day of the month the group meets, 1–31."),
    )
    default_commitment = models.DecimalField(
        _("default monthly commitment"),
        max_digits=12,
        decimal_places=2,
        help_text=_("The commitment (สัจจะ) a new member starts with, in baht per month."),
    )
    treasurers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("treasurer logins"),
        blank=True,
        related_name="treasurer_groups",
        limit_choices_to={"role": Role.TREASURER},
        help_text=_("Logins that may record this group's deposits and withdrawals."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords(m2m_fields=[treasurers])

    class Meta:
        verbose_name = _("savings group")
        verbose_name_plural = _("savings groups")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting_day__isnull=True) | Q(meeting_day__gte=1, meeting_day__lte=31),
                name="group_meeting_day_in_month",
                violation_error_message=_("The meeting day is a day of the month, 1 to 31."),
            ),
            models.CheckConstraint(
                condition=Q(default_commitment__gt=0),
                name="group_commitment_positive",
                violation_error_message=_("The monthly commitment must be more than 0 baht."),
            ),
        ]

    def __str__(self):
        return self.name

    def status_on(self, day):
        """The group's status on a day, from its dated status changes (None before the first)."""
        change = self.status_changes.filter(date__lte=day).order_by("-date", "-id").first()
        return change.status if change else None


class GroupStatusChange(models.Model):
    """A step in a group's life. Counting these by date answers 'how many groups were founded,
    revived, or still forming in this period'."""

    group = models.ForeignKey(
        SavingsGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(_("status"), max_length=20, choices=GroupStatus.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group status change")
        verbose_name_plural = _("group status changes")
        ordering = ["group", "date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="one_status_change_per_group_and_day"),
        ]

    def __str__(self):
        return f"{self.group}: {self.get_status_display()}"


class Officer(models.Model):
    class Position(models.TextChoices):
        CHAIR = "chair", _("Chair")
        TREASURER = "treasurer", _("Treasurer")
        SECRETARY = "secretary", _("Secretary")
        COMMITTEE = "committee", _("Committee member")

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="officers")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="offices")
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["group", "position", "since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="officer_until_after_since",
                violation_error_message=_("The end of the term cannot be before its start."),
            ),
        ]

    def __str__(self):
        return f"{self.get_position_display()}: {self.person}"


class Member(models.Model):
    """A person's membership of a group, from the day they joined to the day they left. What they
    promised to save each month is their dated series of commitments (Commitment), never one
    value: raising it from a month leaves the months before as they were. A person who leaves and
    comes back, or moves to another group and back, is a new membership with a new number."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships")
    number = models.PositiveIntegerField(_("member number"))
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(left_on__isnull=True),
                name="member_current_once_per_group",
                violation_error_message=_("This person is already a member of the group."),
            ),
            models.UniqueConstraint(fields=["group", "number"], name="member_number_unique_in_group"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_left_after_joined",
                violation_error_message=_("A member cannot leave before joining."),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.person}"

    def active_in(self, month):
        """Whether the member belongs to the group in the month starting on `month`."""
        return self.joined_on <= month_end(month) and (self.left_on is None or self.left_on >= month)


class Commitment(models.Model):
    """What a member promised to save each month (สัจจะ), in force from `from_month` until their
    next commitment. A month owes the amount in force in it (groups.selectors.months_due), so a
    change from a month never alters a month before it; changes are made from this month on
    (groups.services.commitment_change)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="commitments")
    from_month = models.DateField(_("from month"))
    amount = models.DecimalField(
        _("monthly commitment"),
        max_digits=12,
        decimal_places=2,
        help_text=_("The amount (สัจจะ) the member promised to save each month, in baht."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["member", "from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "from_month"],
                name="one_commitment_per_member_and_month",
                violation_error_message=_("The member already has a commitment from this month."),
            ),
            models.CheckConstraint(condition=Q(from_month__day=1), name="commitment_from_first_day"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="commitment_positive",
                violation_error_message=_("The monthly commitment must be more than 0 baht."),
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.amount} ({be_month(self.from_month)})"


class CollectionSheet(PostedRow):
    """One month's collection at a group meeting, posted once: the unique (group, month) pair is
    what stops a double tap, the back button or a second phone from posting the month twice."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="sheets")
    month = models.DateField(_("month"))
    paid_on = models.DateField(_("collected on"))

    class Meta:
        verbose_name = _("collection sheet")
        verbose_name_plural = _("collection sheets")
        ordering = ["group", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="one_sheet_per_group_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="sheet_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.group} {be_month(self.month)}"


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")


class LedgerEntry(PostedRow):
    """A money row: deposits are positive, withdrawals negative. Rows are never edited or deleted;
    a mistake is undone by a reversal row of the same kind and opposite sign that points to it,
    so a member's balance is the sum of their rows and their paid commitment the sum of the
    deposit rows."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    month = models.DateField(_("for month"), help_text=_("The commitment month the row counts for."))
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    sheet = models.ForeignKey(
        CollectionSheet,
        verbose_name=_("collection sheet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A member moving to another group takes their balance along: a withdrawal in the old group
    # and a deposit in the new one, the deposit pointing to the withdrawal it carries across.
    transfer_of = models.OneToOneField(
        "self",
        verbose_name=_("carries across"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
        help_text=_("The withdrawal in the member's former group whose balance this deposit carries across."),
    )
    # A member's share of a year's profit, added to their savings (YearEnd, ShareOut.SAVINGS): a
    # deposit that no cash came in with, and not a commitment paid.
    share = models.OneToOneField(
        "YearEndShare",
        verbose_name=_("share of a year's profit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit",
    )
    request_key = models.UUIDField(
        _("form token"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Form token: a resubmitted form posts once."),
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["member", "date", "id"], name="entry_member_date"),
            models.Index(fields=["group", "month"], name="entry_group_month"),
            models.Index(fields=["group", "date"], name="entry_group_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(reverses__isnull=True)
                    & (Q(kind=EntryKind.DEPOSIT, amount__gt=0) | Q(kind=EntryKind.WITHDRAWAL, amount__lt=0))
                )
                | (
                    Q(reverses__isnull=False)
                    & ~Q(reason="")
                    & (Q(kind=EntryKind.DEPOSIT, amount__lt=0) | Q(kind=EntryKind.WITHDRAWAL, amount__gt=0))
                ),
                name="entry_sign_matches_kind",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="entry_month_is_first_day"),
            # What a move carries across is a deposit in full, never a reversal, and not a
            # commitment paid: the levy and the arrears leave it out.
            models.CheckConstraint(
                condition=Q(transfer_of__isnull=True) | Q(kind=EntryKind.DEPOSIT, amount__gt=0, reverses__isnull=True),
                name="entry_transfer_is_a_deposit",
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True)
                | Q(kind=EntryKind.DEPOSIT, amount__gt=0, reverses__isnull=True, transfer_of__isnull=True),
                name="entry_share_is_a_deposit",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.member})"

    @property
    def is_reversal(self):
        return self.reverses_id is not None

    @property
    def is_saving(self):
        """Whether the row counts as saving for its month (SAVING)."""
        return self.kind == EntryKind.DEPOSIT and self.transfer_of_id is None and self.share_id is None

    @property
    def is_transfer(self):
        """A deposit carrying a moving member's balance in, or the withdrawal carrying it out."""
        if self.transfer_of_id is not None:
            return True
        try:
            self.transferred_to  # noqa: B018 — the reverse side exists or raises
        except LedgerEntry.DoesNotExist:
            return False
        return True


# Month-end balances: a projection of the ledger, so that the network's figures read a row per
# group and month instead of every row of the ledger. Not money rows: they are derived, kept by
# services.balances_add in the transaction that posts the rows they summarise, and rebuilt from
# the rows by `manage.py rebuild_balances` (whose --check compares the two). Nothing else writes
# them.


# The deposits that are a saving for their month, a commitment paid (and the levy's base): neither
# a balance a moving member carried across nor a year-end share added to savings.
SAVING = Q(kind=EntryKind.DEPOSIT, transfer_of__isnull=True, share__isnull=True)


class MonthBalance(models.Model):
    """What came in and went out on the days of a month, by payment date (the date on each row; a
    reversal on its own date, as the kind of the row it reverses: a reversed deposit lowers the
    month's money in), and the balance at the month's end: every row dated up to it. A month with
    no row dated in it has no balance row; the balance then is the last month's before it."""

    month = models.DateField(_("month"))
    money_in = models.DecimalField(_("money in"), max_digits=12, decimal_places=2)
    money_out = models.DecimalField(_("money out"), max_digits=12, decimal_places=2)
    closing = models.DecimalField(_("balance at the month's end"), max_digits=12, decimal_places=2)

    class Meta:
        abstract = True


class MemberBalance(MonthBalance):
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="balances")

    class Meta:
        verbose_name = _("member's month-end balance")
        verbose_name_plural = _("members' month-end balances")
        ordering = ["member_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="one_balance_per_member_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="member_balance_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.member} {be_month(self.month)}"


class GroupBalance(MonthBalance):
    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="balances")

    class Meta:
        verbose_name = _("group's month-end balance")
        verbose_name_plural = _("groups' month-end balances")
        ordering = ["group_id", "month"]
        # The network's figures read every group's months of a period.
        indexes = [models.Index(fields=["month"], name="group_balance_month")]
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="one_balance_per_group_and_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="group_balance_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.group} {be_month(self.month)}"


class GroupSaving(models.Model):
    """A group's deposits for a month (the month a saving is for), paid on one day, net of the
    reversals dated that day; a balance a moving member carried across is no saving and is left
    out. The levy reads these (selectors.levies_by_group_and_month): by the payment day, a
    period's levy is read as of its end."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="savings")
    month = models.DateField(_("for month"))
    paid_on = models.DateField(_("date"))
    deposits = models.DecimalField(_("deposits"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("group's deposits for a month, by day paid")
        verbose_name_plural = _("groups' deposits for a month, by day paid")
        ordering = ["group_id", "month", "paid_on"]
        indexes = [models.Index(fields=["month"], name="group_saving_month")]
        constraints = [
            models.UniqueConstraint(fields=["group", "month", "paid_on"], name="one_saving_per_group_month_and_day"),
            models.CheckConstraint(condition=Q(month__day=1), name="saving_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.group} {be_month(self.month)}"


# The group's own rules (ระเบียบกลุ่ม): loans, welfare and the year-end share-out.


class LoanMethod(models.TextChoices):
    FLAT = "flat", _("Flat (on the amount lent)")
    DECLINING = "declining", _("Declining balance (on what is still owed)")


class LoanPurpose(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    OCCUPATION = "occupation", _("Occupation")
    EDUCATION = "education", _("Education")


class WelfarePurpose(models.TextChoices):
    BIRTH = "birth", _("Birth of a child")
    ILLNESS = "illness", _("Illness (in hospital)")
    FUNERAL = "funeral", _("Funeral")
    ELDERLY = "elderly", _("The elderly")


# How the group's profit for a year is shared out: the fields of GroupRules, in the order the
# rules and the annual statement list them. They add up to 100 percent.
ALLOCATION_FIELDS = ("dividend", "interest_refund", "welfare_fund", "committee", "reserve", "community")


def _percent(label):
    return models.DecimalField(label, max_digits=5, decimal_places=2, help_text=_("Percent of the year's profit."))


class GroupRules(models.Model):
    """The group's rules in force from `from_month` until their next change: its year, its share-out
    of a year's profit, its fine for a late repayment, and the kinds of loan (LoanKind) and welfare
    (WelfareKind) it offers. A change is a new row from a month (this month or later), so what was
    in force in a month past never changes (groups.services.rules_change; groups.selectors.rules_on
    reads the rules of a month). A loan keeps the terms it was made on."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="rules")
    from_month = models.DateField(_("from month"))
    year_ends_in = models.PositiveSmallIntegerField(
        _("the group's year ends with"), choices=MONTHS, help_text=_("The last month of the group's accounting year.")
    )
    late_fine = models.DecimalField(
        _("fine for a late repayment (baht)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Charged once for each month a repayment is late; 0 if the group charges none."),
    )
    dividend = _percent(_("dividend on savings"))
    interest_refund = _percent(_("refund on interest paid"))
    welfare_fund = _percent(_("welfare fund"))
    committee = _percent(_("the committee"))
    reserve = _percent(_("reserve"))
    community = _percent(_("the community"))
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("E.g. the meeting that agreed them."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group rules")
        verbose_name_plural = _("group rules")
        ordering = ["group", "from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "from_month"],
                name="one_rules_per_group_and_month",
                violation_error_message=_("The group already has rules from this month."),
            ),
            models.CheckConstraint(condition=Q(from_month__day=1), name="rules_from_first_day"),
            models.CheckConstraint(
                condition=Q(year_ends_in__gte=1, year_ends_in__lte=12), name="rules_year_ends_in_a_month"
            ),
            models.CheckConstraint(condition=Q(late_fine__gte=0), name="rules_late_fine_not_negative"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0, f"{name}__lte": 100}), name=f"rules_{name}_a_percent"
                )
                for name in ALLOCATION_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(
                    dividend=100
                    - F("interest_refund")
                    - F("welfare_fund")
                    - F("committee")
                    - F("reserve")
                    - F("community")
                ),
                name="rules_allocation_adds_up_to_100",
                violation_error_message=_("The shares of the profit must add up to 100 percent."),
            ),
        ]

    def __str__(self):
        return f"{self.group}: {be_month(self.from_month)}"

    @property
    def allocation(self):
        """[(field, percent)] in the order of ALLOCATION_FIELDS."""
        return [(name, getattr(self, name)) for name in ALLOCATION_FIELDS]


class LoanKind(models.Model):
    """A kind of loan the group's rules offer, on the terms a loan of that kind is made on."""

    rules = models.ForeignKey(GroupRules, verbose_name=_("rules"), on_delete=models.CASCADE, related_name="loan_kinds")
    purpose = models.CharField(_("purpose"), max_length=20, choices=LoanPurpose.choices)
    times_savings = models.DecimalField(
        _("up to times the member's savings"),
        max_digits=5,
        decimal_places=2,
        help_text=_("A loan is at most this many times the borrower's savings."),
    )
    ceiling = models.DecimalField(
        _("at most (baht)"), max_digits=12, decimal_places=2, help_text=_("And never more than this amount.")
    )
    monthly_rate = models.DecimalField(
        _("interest, percent a month"), max_digits=5, decimal_places=2, help_text=_("E.g. 1 for 1 percent a month.")
    )
    method = models.CharField(_("interest charged"), max_length=20, choices=LoanMethod.choices)
    longest_term = models.PositiveSmallIntegerField(_("longest term (months)"))
    guarantors = models.PositiveSmallIntegerField(_("guarantors needed"))

    class Meta:
        verbose_name = _("kind of loan")
        verbose_name_plural = _("kinds of loan")
        ordering = ["rules", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rules", "purpose"], name="one_loan_kind_per_rules_and_purpose"),
            models.CheckConstraint(condition=Q(times_savings__gt=0), name="loan_kind_times_savings_positive"),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="loan_kind_ceiling_positive"),
            models.CheckConstraint(
                condition=Q(monthly_rate__gte=0, monthly_rate__lte=10), name="loan_kind_rate_at_most_10_percent"
            ),
            models.CheckConstraint(
                condition=Q(longest_term__gte=1, longest_term__lte=120), name="loan_kind_term_1_to_120_months"
            ),
            models.CheckConstraint(condition=Q(guarantors__lte=5), name="loan_kind_at_most_5_guarantors"),
        ]

    def __str__(self):
        return self.get_purpose_display()


class WelfareKind(models.Model):
    """A kind of welfare payout the group's rules offer: its amount, to members of some months'
    standing."""

    rules = models.ForeignKey(
        GroupRules, verbose_name=_("rules"), on_delete=models.CASCADE, related_name="welfare_kinds"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=WelfarePurpose.choices)
    amount = models.DecimalField(_("amount (baht)"), max_digits=12, decimal_places=2)
    months_of_membership = models.PositiveSmallIntegerField(
        _("months of membership needed"), help_text=_("0 if a member qualifies from joining.")
    )

    class Meta:
        verbose_name = _("kind of welfare")
        verbose_name_plural = _("kinds of welfare")
        ordering = ["rules", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rules", "purpose"], name="one_welfare_kind_per_rules_and_purpose"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="welfare_kind_amount_positive"),
            models.CheckConstraint(condition=Q(months_of_membership__lte=600), name="welfare_kind_months_at_most_600"),
        ]

    def __str__(self):
        return self.get_purpose_display()


# Loans from the group's fund.


class Loan(models.Model):
    """A member's loan from the group's fund. Applied for on the terms of a kind of loan in the
    group's rules then in force (copied here: a later change of the rules never alters a loan),
    approved by two of the group's officers (LoanApproval), then paid out (a LoanEntry of kind
    DISBURSEMENT). What is repaid, and when it falls due, follows from these terms
    (groups.interest.schedule)."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey(Member, verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="loans")
    purpose = models.CharField(_("kind of loan"), max_length=20, choices=LoanPurpose.choices)
    amount = models.DecimalField(_("amount lent (baht)"), max_digits=12, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("repaid over (months)"))
    monthly_rate = models.DecimalField(_("interest, percent a month"), max_digits=5, decimal_places=2)
    method = models.CharField(_("interest charged"), max_length=20, choices=LoanMethod.choices)
    late_fine = models.DecimalField(
        _("fine for a late repayment (baht)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
        help_text=_("Charged once for each month an instalment is not repaid by the month's end."),
    )
    applied_on = models.DateField(_("applied on"))
    reason = models.CharField(_("what it is for"), max_length=300, blank=True)
    guarantors = models.ManyToManyField(
        Member, verbose_name=_("guarantors"), through="LoanGuarantor", related_name="guaranteed_loans"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    request_key = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["group", "applied_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=120), name="loan_months_1_to_120"),
            models.CheckConstraint(condition=Q(monthly_rate__gte=0, monthly_rate__lte=10), name="loan_rate_0_to_10"),
            models.CheckConstraint(condition=Q(late_fine__gte=0), name="loan_late_fine_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.amount} ({self.member})"


class LoanGuarantor(models.Model):
    """A member who guarantees a loan (ผู้ค้ำประกัน)."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="guarantees")
    member = models.ForeignKey(Member, verbose_name=_("guarantor"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [models.UniqueConstraint(fields=["loan", "member"], name="one_guarantee_per_loan_and_member")]

    def __str__(self):
        return str(self.member)


class LoanApproval(models.Model):
    """One of the group's officers approving a loan: who and when. Neither the borrower nor a
    guarantor may approve; a loan is paid out after two approvals by two different people."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="approvals")
    officer = models.ForeignKey(Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+")
    approved_on = models.DateField(_("approved on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan approval")
        verbose_name_plural = _("loan approvals")
        ordering = ["loan", "approved_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "officer"],
                name="one_approval_per_loan_and_officer",
                violation_error_message=_("This officer has already approved the loan."),
            )
        ]

    def __str__(self):
        return f"{self.officer} ({be_month(self.approved_on)})"


class LoanEntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Paid out")
    PRINCIPAL = "principal", _("Principal repaid")
    INTEREST = "interest", _("Interest paid")
    FINE = "fine", _("Fine paid")
    WRITTEN_OFF = "written_off", _("Written off")


class LoanEntry(PostedRow):
    """A money row of a loan: what was paid out (DISBURSEMENT) and what came back (principal,
    interest, fines), each a positive amount; a mistake is undone by a reversal of the same kind,
    negative, that points to it and says why. Never edited or deleted (the database refuses).
    A loan has one payout standing at a time: a payout reversed (recorded by mistake) may be
    recorded again, so the database cannot hold it to one row; groups.services.loan_disburse
    does, with the group's row locked."""

    group = models.ForeignKey(
        SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="loan_entries"
    )
    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=LoanEntryKind.choices)
    month = models.DateField(_("for month"), help_text=_("The month of the collection the row was paid at."))
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    sheet = models.ForeignKey(
        CollectionSheet,
        verbose_name=_("collection sheet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loan_entries",
    )
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    request_key = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("loan entry")
        verbose_name_plural = _("loan entries")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["group", "date"], name="loan_entry_group_date")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & ~Q(reason="") & Q(amount__lt=0)),
                name="loan_entry_sign",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="loan_entry_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.loan})"


class LoanReschedule(models.Model):
    """A leader's new term for what a loan still owes: from `from_month` on, the principal still
    owed then is repaid over `months` months at the loan's rate and method (groups.interest). The
    months before keep the schedule they had, so what fell due then stays as it was."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="reschedules")
    from_month = models.DateField(_("from month"))
    months = models.PositiveSmallIntegerField(_("repaid over (months)"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan rescheduled")
        verbose_name_plural = _("loans rescheduled")
        ordering = ["loan", "from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "from_month"],
                name="one_reschedule_per_loan_and_month",
                violation_error_message=_("The loan was already rescheduled from this month."),
            ),
            models.CheckConstraint(condition=Q(from_month__day=1), name="reschedule_from_first_day"),
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=120), name="reschedule_months_1_to_120"),
            models.CheckConstraint(condition=~Q(reason=""), name="reschedule_has_a_reason"),
        ]

    def __str__(self):
        return f"{self.loan} {be_month(self.from_month)}"


# The group's own money outside its members' savings and loans: its costs and its welfare
# payouts, then once a year the share-out of its profit.


class FundEntryKind(models.TextChoices):
    COST = "cost", _("The group's cost")
    WELFARE = "welfare", _("Welfare paid")


class FundEntry(PostedRow):
    """A payment from the group's cash that is neither a member's saving nor a loan: a cost of the
    group (stationery, a meeting; it lowers the year's profit) or a welfare payout to a member
    (from the welfare fund, by a kind in the group's rules, approved by an officer). Positive;
    a mistake is undone by a reversal that points to it and says why. Never edited or deleted."""

    group = models.ForeignKey(
        SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="fund_entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FundEntryKind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    what_for = models.CharField(_("what for"), max_length=300, blank=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="welfare"
    )
    welfare_purpose = models.CharField(_("kind of welfare"), max_length=20, choices=WelfarePurpose.choices, blank=True)
    approved_by = models.ForeignKey(
        Officer, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    request_key = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("payment from the group's fund")
        verbose_name_plural = _("payments from the group's fund")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["group", "date"], name="fund_entry_group_date")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & ~Q(reason="") & Q(amount__lt=0)),
                name="fund_entry_sign",
            ),
            models.CheckConstraint(
                condition=Q(kind=FundEntryKind.COST, member__isnull=True, welfare_purpose="")
                | Q(kind=FundEntryKind.WELFARE, member__isnull=False, approved_by__isnull=False)
                & ~Q(welfare_purpose=""),
                name="fund_entry_welfare_has_member_kind_and_approval",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class ShareOut(models.TextChoices):
    SAVINGS = "savings", _("Added to each member's savings")
    CASH = "cash", _("Paid out to each member in cash")


class YearEnd(PostedRow):
    """A group's year closed: its profit shared out by the rules then in force, posted once. The
    year's figures are kept as they were computed (groups.year_end), each member's share in
    YearEndShare. After it, the database refuses any money row of the group dated in the year or
    before (the trigger in migration 0011)."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="year_ends")
    rules = models.ForeignKey(GroupRules, verbose_name=_("rules"), on_delete=models.PROTECT, related_name="+")
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    closes_on = models.DateField(_("closed up to"), help_text=_("The last day of the year."))
    posted_on = models.DateField(_("posted on"))
    interest = models.DecimalField(_("interest earned"), max_digits=12, decimal_places=2)
    fines = models.DecimalField(_("fines earned"), max_digits=12, decimal_places=2)
    costs = models.DecimalField(_("costs"), max_digits=12, decimal_places=2)
    written_off = models.DecimalField(_("loans written off"), max_digits=12, decimal_places=2)
    brought_forward = models.DecimalField(_("brought forward"), max_digits=12, decimal_places=2)
    profit = models.DecimalField(_("profit shared out"), max_digits=12, decimal_places=2)
    dividend = models.DecimalField(_("dividend on savings"), max_digits=12, decimal_places=2)
    interest_refund = models.DecimalField(_("refund on interest paid"), max_digits=12, decimal_places=2)
    welfare_fund = models.DecimalField(_("welfare fund"), max_digits=12, decimal_places=2)
    committee = models.DecimalField(_("the committee"), max_digits=12, decimal_places=2)
    reserve = models.DecimalField(_("reserve"), max_digits=12, decimal_places=2)
    community = models.DecimalField(_("the community"), max_digits=12, decimal_places=2)
    shares_paid_as = models.CharField(_("members' shares"), max_length=20, choices=ShareOut.choices)
    request_key = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("year-end share-out")
        verbose_name_plural = _("year-end share-outs")
        ordering = ["group", "last_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "last_month"],
                name="one_year_end_per_group_and_year",
                violation_error_message=_("This year has already been closed."),
            ),
            models.CheckConstraint(
                condition=Q(first_month__day=1, last_month__day=1, first_month__lte=F("last_month")),
                name="year_end_months",
            ),
            models.CheckConstraint(condition=Q(posted_on__gt=F("closes_on")), name="year_end_posted_after_the_year"),
            models.CheckConstraint(
                condition=Q(
                    profit__gte=0,
                    dividend__gte=0,
                    interest_refund__gte=0,
                    welfare_fund__gte=0,
                    committee__gte=0,
                    reserve__gte=0,
                    community__gte=0,
                ),
                name="year_end_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    profit=F("dividend")
                    + F("interest_refund")
                    + F("welfare_fund")
                    + F("committee")
                    + F("reserve")
                    + F("community")
                ),
                name="year_end_allocation_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.group}: {be_month(self.last_month)}"

    @property
    def paid_out(self):
        """What the share-out took from the group's cash: the committee's and the community's
        shares, and the members' when they were paid in cash."""
        members = self.dividend + self.interest_refund if self.shares_paid_as == ShareOut.CASH else 0
        return self.committee + self.community + members


class YearEndShare(AppendOnly):
    """A member's share of a year's profit: a dividend by their savings-months (the sum of their
    month-end balances over the year) and a refund by the interest they paid in it."""

    year_end = models.ForeignKey(YearEnd, verbose_name=_("year-end"), on_delete=models.PROTECT, related_name="shares")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="shares")
    savings_months = models.DecimalField(_("savings-months (baht)"), max_digits=14, decimal_places=2)
    interest_paid = models.DecimalField(_("interest paid"), max_digits=12, decimal_places=2)
    dividend = models.DecimalField(_("dividend"), max_digits=12, decimal_places=2)
    interest_refund = models.DecimalField(_("refund on interest"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("member's share of a year's profit")
        verbose_name_plural = _("members' shares of a year's profit")
        ordering = ["year_end", "member"]
        constraints = [
            models.UniqueConstraint(fields=["year_end", "member"], name="one_share_per_year_end_and_member"),
            models.CheckConstraint(
                condition=Q(savings_months__gte=0, interest_paid__gte=0, dividend__gte=0, interest_refund__gte=0),
                name="year_end_share_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.member} ({self.year_end})"

    @property
    def total(self):
        return self.dividend + self.interest_refund


class MemberCard(models.Model):
    """A member's card: its QR opens a read-only page of the member's own figures, without a login
    (groups.cards). The QR carries a long random token that is stored only as its SHA-256, so the
    table cannot open anyone's page. A card is printed once, when it is issued; a lost card is
    replaced by a new one, which ends the old at once (`ended_at`). One card in use per member."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="cards")
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    # The form that issued it: the same form sent twice issues nothing the second time.
    request_key = models.UUIDField(_("request key"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member card")
        verbose_name_plural = _("member cards")
        ordering = ["member", "issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_at__isnull=True),
                name="one_card_in_use_per_member",
                violation_error_message=_("This member already has a card in use."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("issued_at")),
                name="card_ends_after_issued",
            ),
        ]

    def __str__(self):
        return f"{self.member} ({self.issued_at:%Y-%m-%d})"


class CardRequest(models.Model):
    """A request for a member card's page, by the address it came from: what the page's rate limit
    counts (groups.cards.throttled). Kept a day, then removed; it holds no token."""

    address = models.GenericIPAddressField(_("address"))
    at = models.DateTimeField(_("at"), db_index=True)  # requests older than a day are removed by it
    found = models.BooleanField(_("card found"))

    class Meta:
        verbose_name = _("member card request")
        verbose_name_plural = _("member card requests")
        indexes = [models.Index(fields=["address", "at"], name="card_request_address_at")]

    def __str__(self):
        return f"{self.address} {self.at:%Y-%m-%d %H:%M:%S}"
