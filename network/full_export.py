"""The network's own copy of its records, as one Excel workbook: a sheet per kind of record, every
row and every field a person typed or the app computed and kept, personal data included (the
network is the one that collected them). The change history and the uploaded files themselves
are not in it: those are in the backups (`manage.py backup`).

Each sheet is declared by its model and its columns, as paths through the model's fields
("member.person", "tenancy.contract_number"); headers are the fields' own names, values are made
readable by their type (B.E. dates, months, choices by their label, money as numbers in the money
format), and the joins and prefetches follow from the paths, so a sheet is one query (two with
many-to-many columns) whatever its length.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprise import models as enterprise
from groups import models as groups
from housing import models as housing
from rent_collection import models as rent
from songkhla_network import models as core
from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.thai import be_date, be_datetime, be_month
from works import models as works

# Fields that hold the first day of a month and mean the month itself.
MONTH_FIELDS = {"month", "first_month", "last_month", "covers_from", "covers_to", "from_month"}
CHUNK = 2000


@dataclass
class Column:
    """A path through fields ("member.person.national_id"; an `_id` name gives the bare key of a
    relation, with no join) and an optional header (default: the last field's name)."""

    path: str
    header: str = None

    def bind(self, model):
        self.steps, self.joins, self.m2m = [], [], None
        current, walked = model, []
        for name in self.path.split("."):
            model_field = current._meta.get_field(name)
            walked.append(name)
            self.steps.append(name)
            self.last = model_field
            if model_field.many_to_many:
                self.m2m = "__".join(walked)
            elif model_field.is_relation and name != getattr(model_field, "attname", None):
                self.joins.append("__".join(walked))
                current = model_field.related_model
        if self.header is None:
            self.header = capfirst(getattr(self.last, "verbose_name", None) or self.last.name)
        self.money = isinstance(self.last, models.DecimalField) and self.last.decimal_places == 2
        self.choices = dict(self.last.flatchoices) if getattr(self.last, "choices", None) else None
        self.month = self.last.name in MONTH_FIELDS
        return self

    def value(self, obj):
        for name in self.steps:
            if obj is None:
                return ""
            try:
                obj = getattr(obj, name)
            except ObjectDoesNotExist:  # a reverse one-to-one that is absent, e.g. a receipt's void
                return ""
        if self.m2m:
            return ", ".join(str(item) for item in obj.all())
        return self.cell(obj)

    def cell(self, value):
        if value is None:
            return ""
        if self.choices is not None:
            return str(self.choices.get(value, value))
        if isinstance(value, datetime.datetime):
            return be_datetime(value)
        if isinstance(value, datetime.date):
            return be_month(value) if self.month else be_date(value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, (int, Decimal)):
            return value
        if isinstance(value, FieldFile):
            return value.name
        return str(value)


@dataclass
class Sheet:
    model: type
    columns: list
    title: str = None
    prefetch: tuple = ()
    # Other models whose every row appears in this sheet's columns (a receipt's void, say).
    covers: tuple = ()
    order_by: tuple = ("pk",)
    bound: list = field(default=None, repr=False)

    def __post_init__(self):
        self.bound = [Column("id", gettext_lazy("record no.")).bind(self.model)] + [
            (c if isinstance(c, Column) else Column(*c) if isinstance(c, tuple) else Column(c)).bind(self.model)
            for c in self.columns
        ]

    @property
    def name(self):
        return str(self.title or capfirst(self.model._meta.verbose_name_plural))

    def queryset(self):
        joins = sorted({j for c in self.bound for j in c.joins})
        prefetch = sorted({c.m2m for c in self.bound if c.m2m} | set(self.prefetch))
        queryset = self.model._default_manager.select_related(*joins).order_by(*self.order_by)
        return queryset.prefetch_related(*prefetch) if prefetch else queryset

    def rows(self):
        for obj in self.queryset().iterator(chunk_size=CHUNK):
            yield [column.value(obj) for column in self.bound]

    def write(self, workbook):
        """Add the sheet; return how many records it holds."""
        counted = 0

        def counting():
            nonlocal counted
            for row in self.rows():
                counted += 1
                yield row

        money = [index for index, column in enumerate(self.bound, start=1) if column.money]
        add_sheet(workbook, self.name, [c.header for c in self.bound], counting(), money_columns=money)
        return counted


POSTED = ("posted_by", "posted_at")
MEMBER = ("member.group", "member.number", "member.person")
RULES = ("rules_id", gettext_lazy("group rules (record no.)"))
LOAN = ("loan_id", gettext_lazy("loan (record no.)"))

SHEETS = [
    # The network, its people and its logins.
    Sheet(core.Community, ["name", "district", "note"]),
    Sheet(
        core.Person, ["title", "first_name", "last_name", "national_id", "phone", "community", "address", "erased_at"]
    ),
    Sheet(
        core.User,
        [
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            ("person_id", gettext_lazy("person (record no.)")),
            "is_active",
            "last_login",
            "date_joined",
        ],
    ),
    Sheet(
        core.PersonalDataConsent,
        [
            ("person_id", gettext_lazy("person (record no.)")),
            "person",
            "purpose",
            "given",
            "given_on",
            "how",
            "witness",
            "recorded_by",
            "recorded_at",
        ],
    ),
    Sheet(
        core.PersonalDataAccess,
        ["at", "user", "action", "what", "rows", ("person_id", gettext_lazy("person (record no.)")), "reason"],
    ),
    # Savings groups.
    Sheet(groups.SavingsGroup, ["name", "community", "meeting_day", "default_commitment", "treasurers", "note"]),
    Sheet(groups.GroupStatusChange, ["group", "status", "date", "note"], order_by=("group__name", "date", "pk")),
    Sheet(groups.Officer, ["group", "position", "person", "since", "until"]),
    Sheet(
        groups.Member,
        ["group", "number", "person", ("person_id", gettext_lazy("person (record no.)")), "joined_on", "left_on"],
        order_by=("group__name", "number"),
    ),
    Sheet(
        groups.Commitment,
        [*MEMBER, "from_month", "amount"],
        order_by=("member__group__name", "member__number", "from_month"),
    ),
    Sheet(
        groups.GroupRules,
        ["group", "from_month", "year_ends_in", "late_fine", *groups.ALLOCATION_FIELDS, "note"]
        + ["recorded_by", "recorded_at"],
        order_by=("group__name", "from_month"),
    ),
    Sheet(
        groups.LoanKind,
        [RULES, "rules.group", "rules.from_month", "purpose", "monthly_rate", "method"]
        + ["times_savings", "ceiling", "longest_term", "guarantors"],
        order_by=("rules__group__name", "rules__from_month", "pk"),
    ),
    Sheet(
        groups.WelfareKind,
        [RULES, "rules.group", "rules.from_month", "purpose", "amount", "months_of_membership"],
        order_by=("rules__group__name", "rules__from_month", "pk"),
    ),
    Sheet(
        groups.Loan,
        ["group", "member.number", "member.person", "purpose", "amount", "months", "monthly_rate", "method"]
        + ["applied_on", "reason", "guarantors", "applied_by", "applied_at"],
        order_by=("group__name", "applied_on", "pk"),
        prefetch=("guarantors__person",),  # each guarantor is named as "number. person"
        covers=(groups.LoanGuarantor,),
    ),
    Sheet(
        groups.LoanApproval,
        [LOAN, "loan.member.person", "officer.position", "officer.person", "approved_on"]
        + ["recorded_by", "recorded_at"],
        order_by=("loan__group__name", "loan__pk", "approved_on"),
    ),
    Sheet(
        groups.LoanEntry,
        ["date", "group", LOAN, "loan.member.person", "kind", "amount"]
        + [("reverses_id", gettext_lazy("reverses (record no.)")), "reason", *POSTED],
    ),
    Sheet(
        groups.LoanReschedule,
        [LOAN, "loan.member.person", "from_month", "months", "reason", "recorded_by", "recorded_at"],
        order_by=("loan__group__name", "loan__pk", "from_month"),
    ),
    Sheet(
        groups.FundEntry,
        ["date", "group", "kind", "amount", "what_for", "member.number", "member.person", "welfare_purpose"]
        + ["approved_by.person", ("reverses_id", gettext_lazy("reverses (record no.)")), "reason", *POSTED],
    ),
    Sheet(
        groups.YearEnd,
        ["group", "first_month", "last_month", "closes_on", "posted_on", RULES, "interest", "fines", "costs"]
        + ["written_off", "brought_forward", "profit", *groups.ALLOCATION_FIELDS, "shares_paid_as", *POSTED],
        order_by=("group__name", "last_month"),
    ),
    Sheet(
        groups.YearEndShare,
        [("year_end_id", gettext_lazy("year-end (record no.)")), "year_end.group", "year_end.last_month"]
        + ["member.number", "member.person", "savings_months", "interest_paid", "dividend", "interest_refund"],
        order_by=("year_end__group__name", "year_end__last_month", "member__number"),
    ),
    # A card's token is stored only hashed, and the hash is left out: the copy cannot open a page.
    Sheet(
        groups.MemberCard,
        ["member.group", "member.number", "member.person", "issued_at", "issued_by", "ended_at"],
        order_by=("member__group__name", "member__number", "issued_at"),
    ),
    Sheet(groups.CardRequest, ["at", "address", "found"], order_by=("at", "pk")),
    Sheet(groups.CollectionSheet, ["group", "month", "paid_on", *POSTED], order_by=("group__name", "month")),
    Sheet(
        groups.LedgerEntry,
        [
            "date",
            "month",
            "group",
            "member.number",
            "member.person",
            "kind",
            "amount",
            ("sheet_id", gettext_lazy("collection sheet (record no.)")),
            ("reverses_id", gettext_lazy("reverses (record no.)")),
            ("transfer_of_id", gettext_lazy("carries across (record no.)")),
            ("share_id", gettext_lazy("share of a year's profit (record no.)")),
            "reason",
            *POSTED,
        ],
        # The month-end balances are sums of these rows, made again from them by rebuild_balances.
        covers=(groups.MemberBalance, groups.GroupBalance, groups.GroupSaving),
    ),
    # The enterprise.
    Sheet(enterprise.Donation, ["date", "donor", "donor_detail", "amount", "purpose", *POSTED]),
    Sheet(
        enterprise.DonationReversal,
        [
            ("donation_id", gettext_lazy("donation (record no.)")),
            "donation.donor",
            "date",
            "reason",
            ("cash_entry_id", gettext_lazy("cash book entry (record no.)")),
            *POSTED,
        ],
    ),
    Sheet(enterprise.LevyPosting, ["first_month", "last_month", *POSTED]),
    Sheet(
        enterprise.LevyLine,
        [("posting_id", gettext_lazy("levy posting (record no.)")), "group", "month", "deposits", "levy"],
    ),
    Sheet(
        enterprise.CashEntry,
        [
            "date",
            "kind",
            "amount",
            "description",
            ("donation_id", gettext_lazy("donation (record no.)")),
            ("levy_posting_id", gettext_lazy("levy posting (record no.)")),
            "buying_round",
            ("member_payment_id", gettext_lazy("member payment (record no.)")),
            ("material_movement_id", gettext_lazy("raw material movement (record no.)")),
            ("liquid_sale_id", gettext_lazy("liquid sale (record no.)")),
            ("reverses_id", gettext_lazy("reverses (record no.)")),
            "reason",
            *POSTED,
        ],
        order_by=("date", "pk"),
    ),
    Sheet(enterprise.Supplier, ["name", "phone", "note"]),
    Sheet(
        enterprise.Product,
        [
            "name",
            "unit",
            "supplier",
            "pack_name",
            "units_per_pack",
            "pack_price",
            "member_price",
            "retail_price",
            "retail_seen_on",
            "active",
        ],
    ),
    Sheet(
        enterprise.BuyingRound,
        ["title", "opened_on", "closes_on", "pickup_on", "closed_at", "closed_by", "received_at"],
    ),
    Sheet(
        enterprise.RoundItem,
        [
            "round",
            "product.name",
            "units_per_pack",
            "pack_price",
            "member_price",
            "retail_price",
            "packs_to_buy",
            "received_packs",
            "receive_note",
        ],
    ),
    Sheet(enterprise.Order, ["item.round", "item.product.name", *MEMBER, "quantity", "entered_by", "entered_at"]),
    Sheet(
        enterprise.Allocation,
        [
            ("order_id", gettext_lazy("order (record no.)")),
            "order.item.round",
            "order.item.product.name",
            "order.member.group",
            "order.member.person",
            "quantity",
            "reason",
            "set_by",
            "set_at",
        ],
    ),
    Sheet(
        enterprise.MemberPayment,
        ["round", *MEMBER, "date", "amount", ("reverses_id", gettext_lazy("reverses (record no.)")), *POSTED],
    ),
    Sheet(
        enterprise.StockMovement,
        ["date", "product.name", "kind", "quantity", "unit_cost", "round_item.round", "note", *POSTED],
    ),
    Sheet(enterprise.RawMaterial, ["name", "unit"]),
    Sheet(enterprise.Recipe, ["name", "expected_litres", "member_price", "community_price"]),
    Sheet(enterprise.Ingredient, ["recipe", "material.name", "material.unit", "quantity"]),
    Sheet(
        enterprise.Batch, ["date", "recipe", "scale", "litres", "cost", "makers", *POSTED], prefetch=("makers__person",)
    ),
    Sheet(
        enterprise.BatchReversal,
        [
            ("batch_id", gettext_lazy("batch (record no.)")),
            "batch.recipe",
            ("batch.date", gettext_lazy("Date made")),
            "date",
            "reason",
            *POSTED,
        ],
    ),
    Sheet(
        enterprise.MaterialMovement,
        [
            "date",
            "material.name",
            "material.unit",
            "kind",
            "quantity",
            "value",
            ("batch_id", gettext_lazy("batch (record no.)")),
            *POSTED,
        ],
    ),
    Sheet(
        enterprise.LiquidSale,
        [
            "date",
            "recipe",
            "buyer",
            "member.group",
            "member.person",
            "litres",
            "price_per_litre",
            "amount",
            ("reverses_id", gettext_lazy("reverses (record no.)")),
            *POSTED,
        ],
    ),
    # Housing.
    Sheet(
        housing.Household,
        [
            "head",
            ("head_id", gettext_lazy("person (record no.)")),
            "head.national_id",
            "head.phone",
            "community",
            "address",
            "adults",
            "children",
            "elderly",
            "disabled",
            "tenure",
            "monthly_income",
            "housing_cost",
            "can_pay",
            "member.group",
            "member.number",
            "reason",
            "preferred_area",
            "surveyed_on",
            "surveyor",
        ],
    ),
    Sheet(
        housing.StatusStep,
        [
            ("household_id", gettext_lazy("household (record no.)")),
            "household.head",
            "step",
            "date",
            "reason",
            "recorded_by",
        ],
        order_by=("household_id", "date", "pk"),
    ),
    Sheet(housing.Proposal, ["title", "date", "target_site", "background"]),
    Sheet(
        housing.Proposal.households.through,
        [
            ("proposal_id", gettext_lazy("proposal (record no.)")),
            ("proposal", gettext_lazy("proposal to CODI")),
            ("household_id", gettext_lazy("household (record no.)")),
            "household.head",
            "household.community",
        ],
        title=gettext_lazy("Households in proposals"),
    ),
    Sheet(housing.BudgetLine, [("proposal_id", gettext_lazy("proposal (record no.)")), "proposal", "item", "amount"]),
    # Railway-land rent.
    Sheet(
        rent.Tenancy,
        [
            "contract_number",
            "community",
            "plot",
            "tenant",
            ("tenant_id", gettext_lazy("person (record no.)")),
            "start_date",
            "opening_balance",
            "opening_on",
            "opening_source",
            "ended_on",
            "end_reason",
            "note",
        ],
    ),
    Sheet(
        rent.RentChange,
        ["tenancy.contract_number", "tenancy.tenant", "from_month", "amount"],
        order_by=("tenancy__contract_number", "from_month"),
    ),
    Sheet(rent.CodiLetter, ["number", "date", "signed_by", "valid_from", "valid_to", "note"]),
    Sheet(rent.LetterCollector, ["letter", "collector", "communities"]),
    Sheet(rent.ReceiptSeries, ["collector", "next_number"]),
    Sheet(
        rent.Receipt,
        [
            "collector",
            "number",
            "date",
            "tenancy.contract_number",
            "tenancy.tenant",
            "tenancy.community",
            "amount",
            "method",
            "bank_reference",
            "advance",
            "covers_from",
            "covers_to",
            "letter",
            ("void.date", gettext_lazy("voided on")),
            ("void.posted_at", gettext_lazy("voided at")),
            ("void.reason", gettext_lazy("why it was voided")),
            ("remittance_line.remittance.bank_reference", gettext_lazy("remitted to CODI (bank reference)")),
            *POSTED,
        ],
        covers=(rent.ReceiptVoid, rent.RemittanceLine),
        order_by=("collector_id", "number"),
    ),
    Sheet(rent.Remittance, ["collector", "transfer_date", "bank_reference", "amount", *POSTED]),
    Sheet(rent.TransferAccount, ["kind", "collector", "promptpay_id", "name", *POSTED]),
    # Community works.
    Sheet(works.Work, ["community", "kind", "title", "description", "started_on", "participants", "created_by"]),
    Sheet(works.Quantity, ["work.community", "work.title", "date", "amount", "unit", "note", "recorded_by"]),
    Sheet(
        works.Photo,
        [
            "work.community",
            "work.title",
            "caption",
            "image",
            "thumbnail",
            "width",
            "height",
            "uploaded_by",
            "uploaded_at",
        ],
    ),
    Sheet(works.Contest, ["name", "organiser", "level", "date", "note"]),
    Sheet(works.Entry, ["contest", "work.community", "work.title", "rank", "award"]),
    Sheet(works.ContestDocument, ["contest", "title", "file", "content_type", "uploaded_by", "uploaded_at"]),
]


def full_copy(*, exported_by, now=None):
    """The workbook for a leader or staff member, its export written in the personal-data access
    log (it holds everyone's personal data unmasked). Returns (workbook, number of people)."""
    workbook, people = full_export_workbook(exported_by=exported_by, now=now)
    core.PersonalDataAccess.log(
        user=exported_by, action=core.Access.EXPORTED, what=_("Full copy of the network's records (Excel)"), rows=people
    )
    return workbook, people


def full_export_workbook(*, exported_by, now=None):
    """Every sheet, then an opening sheet that says what the workbook is and how many rows each
    sheet holds. Returns (workbook, number of people in it).

    On PostgreSQL the sheets are read in one REPEATABLE READ transaction when the caller has none
    open: one snapshot, so a receipt posted meanwhile cannot be in one sheet and not another."""
    now = now or timezone.now()
    workbook = new_workbook(write_only=True)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counts = [(sheet, sheet.write(workbook)) for sheet in SHEETS]
    about = add_sheet(
        workbook,
        _("About this file"),
        [_("Records of the Songkhla City Development Network"), ""],
        [
            (_("A full copy of the records in the app, personal data included: keep it safe."), ""),
            (_("Exported on"), be_datetime(now)),
            (_("Exported by"), str(exported_by)),
            ("", ""),
            (_("Sheet"), _("Rows")),
            *((sheet.name, rows) for sheet, rows in counts),
        ],
    )
    workbook.move_sheet(about.title, offset=-len(SHEETS))
    workbook.active = 0
    people = next(rows for sheet, rows in counts if sheet.model is core.Person)
    return workbook, people
