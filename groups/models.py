"""Commitment-savings groups (กลุ่มสัจจะออมทรัพย์): groups and their life, members, and the ledger
of their deposits and withdrawals."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from songkhla_network.models import Community, Person, PostedRow, Role
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
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.member})"

    @property
    def is_reversal(self):
        return self.reverses_id is not None

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
