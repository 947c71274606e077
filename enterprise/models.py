"""The enterprise of กลุ่มคนจนเมืองบ่อยางสงขลา: its capital (donations and the 5 % levy on savings
deposits), its cash book, buying together, stock and production. Money rows are never edited or
deleted; a mistake is undone by a reversal row that points to it and says why, dated the day of the
correction, so a figure as of an earlier day never changes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from songkhla_network.models import AppendOnly, PostedRow
from songkhla_network.thai import be_date, be_month, format_baht, format_quantity


class Donation(PostedRow):
    donor = models.CharField(_("donor"), max_length=200)
    donor_detail = models.CharField(_("donor's organisation or address"), max_length=300, blank=True)
    date = models.DateField(_("date received"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive")]

    def __str__(self):
        return f"{self.donor} {self.amount}"


class DonationReversal(PostedRow):
    """A donation cancelled: when and why, and the cash book row of opposite amount that took its
    money out. The donation stands in the records, marked reversed from this date on."""

    donation = models.OneToOneField(
        Donation, verbose_name=_("donation"), on_delete=models.PROTECT, related_name="reversal"
    )
    cash_entry = models.OneToOneField(
        "CashEntry", verbose_name=_("cash book entry"), on_delete=models.PROTECT, related_name="donation_reversal"
    )
    date = models.DateField(_("date of the correction"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("donation reversal")
        verbose_name_plural = _("donation reversals")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="donation_reversal_has_reason")]

    def __str__(self):
        return f"{self.donation} {be_date(self.date)}"


class LevyPosting(PostedRow):
    """One posting of the 5 % levy for a range of months. Its lines record, per group and month,
    the net deposits levied this time; what a month still owes is its deposits now minus what
    earlier postings levied, so a later correction shows up as a difference, never silently."""

    first_month = models.DateField(_("from month"))
    last_month = models.DateField(_("to month"))

    class Meta:
        verbose_name = _("levy posting")
        verbose_name_plural = _("levy postings")
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_month__gte=F("first_month")), name="levy_months_in_order"),
            models.CheckConstraint(
                condition=Q(first_month__day=1) & Q(last_month__day=1), name="levy_months_are_first_days"
            ),
        ]

    def __str__(self):
        return f"{be_month(self.first_month)} – {be_month(self.last_month)}"


class LevyLine(AppendOnly):
    posting = models.ForeignKey(
        LevyPosting, verbose_name=_("levy posting"), on_delete=models.PROTECT, related_name="lines"
    )
    group = models.ForeignKey(
        "groups.SavingsGroup", verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    deposits = models.DecimalField(_("deposits levied"), max_digits=12, decimal_places=2)
    levy = models.DecimalField(_("levy"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("levy line")
        verbose_name_plural = _("levy lines")
        ordering = ["posting", "group", "month"]
        constraints = [
            models.UniqueConstraint(fields=["posting", "group", "month"], name="levy_line_once_per_posting"),
            models.CheckConstraint(condition=Q(month__day=1), name="levy_line_month_is_first_day"),
            models.CheckConstraint(condition=~Q(deposits=0), name="levy_line_not_empty"),
        ]

    def __str__(self):
        return f"{self.group} {be_month(self.month)}"


class CashKind(models.TextChoices):
    DONATION = "donation", _("Donation")
    LEVY = "levy", _("Levy on savings deposits")
    PURCHASE = "purchase", _("Purchase")
    SALE = "sale", _("Sale")
    COST = "cost", _("Other cost")


class CashEntry(PostedRow):
    """The enterprise's cash book: money in is positive, money out negative; the balance at any
    date is the sum of the rows up to it."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=CashKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    donation = models.OneToOneField(
        Donation, verbose_name=_("donation"), null=True, blank=True, on_delete=models.PROTECT, related_name="cash_entry"
    )
    levy_posting = models.OneToOneField(
        LevyPosting,
        verbose_name=_("levy posting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entry",
    )
    buying_round = models.ForeignKey(
        "BuyingRound",
        verbose_name=_("buying round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entries",
    )
    member_payment = models.OneToOneField(
        "MemberPayment",
        verbose_name=_("member payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entry",
    )
    material_movement = models.OneToOneField(
        "MaterialMovement",
        verbose_name=_("raw material movement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entry",
    )
    liquid_sale = models.OneToOneField(
        "LiquidSale",
        verbose_name=_("liquid sale"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entry",
    )
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("cash book entry")
        verbose_name_plural = _("cash book entries")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["date", "id"], name="cash_entry_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="cash_entry_not_zero"),
            models.CheckConstraint(condition=Q(reverses__isnull=True) | ~Q(reason=""), name="cash_reversal_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind__in=[CashKind.DONATION, CashKind.LEVY, CashKind.SALE])
                | Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="cash_income_is_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CashKind.DONATION) | Q(reverses__isnull=False) | Q(donation__isnull=False),
                name="cash_donation_has_its_record",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def is_reversal(self):
        return self.reverses_id is not None


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    """A staple members buy together: sold to members by the unit (a 5 kg bag of rice), bought
    from the supplier by the pack (a sack of 6 bags)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    unit = models.CharField(_("unit members buy"), max_length=100, help_text=_("e.g. bag of 5 kg, tray of 30 eggs"))
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="products"
    )
    pack_name = models.CharField(_("supplier's pack"), max_length=100, help_text=_("e.g. sack, crate"))
    units_per_pack = models.PositiveIntegerField(_("units per pack"))
    pack_price = models.DecimalField(_("supplier price per pack"), max_digits=12, decimal_places=2)
    member_price = models.DecimalField(_("member price per unit"), max_digits=12, decimal_places=2)
    retail_price = models.DecimalField(_("retail price per unit"), max_digits=12, decimal_places=2)
    retail_seen_on = models.DateField(_("retail price seen on"))
    active = models.BooleanField(_("offered in new rounds"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units_per_pack__gte=1),
                name="product_pack_has_units",
                violation_error_message=_("A pack holds at least one unit."),
            ),
            models.CheckConstraint(
                condition=Q(pack_price__gt=0, member_price__gt=0, retail_price__gt=0),
                name="product_prices_positive",
                violation_error_message=_("Prices must be more than 0 baht."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class BuyingRound(models.Model):
    """One round of buying together: treasurers enter their members' orders until it closes; the
    leader then decides how many whole supplier packs to buy of each product."""

    title = models.CharField(pgettext_lazy("enterprise", "title"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    closes_on = models.DateField(_("orders close on"))
    pickup_on = models.DateField(_("pick-up on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("goods received at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("buying round")
        verbose_name_plural = _("buying rounds")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opened_on")) & Q(pickup_on__gte=F("closes_on")),
                name="round_dates_in_order",
                violation_error_message=_(
                    "The round's dates are out of order: it opens, closes, then the goods arrive."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def takes_orders(self, today):
        return self.closed_at is None and today <= self.closes_on

    @property
    def is_received(self):
        return self.received_at is not None


class RoundItem(models.Model):
    """A product offered in a round, with its prices and pack as they were when the round opened."""

    round = models.ForeignKey(
        BuyingRound, verbose_name=_("buying round"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    units_per_pack = models.PositiveIntegerField(_("units per pack"))
    pack_price = models.DecimalField(_("supplier price per pack"), max_digits=12, decimal_places=2)
    member_price = models.DecimalField(_("member price per unit"), max_digits=12, decimal_places=2)
    retail_price = models.DecimalField(_("retail price per unit"), max_digits=12, decimal_places=2)
    packs_to_buy = models.PositiveIntegerField(_("packs to buy"), null=True, blank=True)
    received_packs = models.PositiveIntegerField(_("packs received"), null=True, blank=True)
    receive_note = models.CharField(_("note on what arrived"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("product in a round")
        verbose_name_plural = _("products in a round")
        ordering = ["round", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "product"], name="round_item_once"),
            models.CheckConstraint(
                condition=Q(units_per_pack__gte=1),
                name="round_item_pack_has_units",
                violation_error_message=_("A pack holds at least one unit."),
            ),
        ]

    def __str__(self):
        return str(self.product)


class Order(models.Model):
    """What a member asked for in a round, in whole units. Orders change freely until the round
    closes; they are not money."""

    item = models.ForeignKey(RoundItem, verbose_name=_("product"), on_delete=models.CASCADE, related_name="orders")
    member = models.ForeignKey(
        "groups.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="orders"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="order_once_per_member_and_product"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="order_quantity_positive",
                violation_error_message=_("Order at least one unit."),
            ),
        ]

    def __str__(self):
        return f"{self.member.person} · {self.item.product.name} × {self.quantity}"


class Allocation(models.Model):
    """What a member gets of their order once the goods have arrived, and why it differs."""

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="allocation")
    quantity = models.PositiveIntegerField(_("quantity received"))
    reason = models.CharField(_("why it differs from the order"), max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self):
        return f"{self.order.member.person} · {self.order.item.product.name} × {self.quantity}"


class MemberPayment(PostedRow):
    """A member paying for their share of a round; a reversal is a row of opposite amount."""

    round = models.ForeignKey(
        BuyingRound, verbose_name=_("buying round"), on_delete=models.PROTECT, related_name="payments"
    )
    member = models.ForeignKey(
        "groups.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="round_payments"
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )

    class Meta:
        verbose_name = _("member payment")
        verbose_name_plural = _("member payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0),
                name="member_payment_sign",
            ),
        ]

    def __str__(self):
        return f"{self.member.person} {format_baht(self.amount)}"


class StockKind(models.TextChoices):
    IN = "in", _("Into stock")
    OUT = "out", _("Out of stock")
    SPOILED = "spoiled", _("Spoiled")
    COUNTED = "counted", _("Stock count correction")


class StockMovement(PostedRow):
    """Units of a product going into or out of the enterprise's stock; the stock is their sum."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock_movements"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=StockKind.choices)
    quantity = models.IntegerField(_("units"))
    unit_cost = models.DecimalField(_("cost per unit"), max_digits=12, decimal_places=4)
    round_item = models.ForeignKey(
        RoundItem,
        verbose_name=_("product in a round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero"),
            models.CheckConstraint(
                condition=Q(kind="in", quantity__gt=0)
                | Q(kind__in=["out", "spoiled"], quantity__lt=0)
                | Q(kind="counted"),
                name="stock_movement_sign",
            ),
        ]

    def __str__(self):
        return f"{self.product.name} {self.quantity:+d}"


class RawMaterial(models.Model):
    """What the cleaning liquids are made of, kept in stock by its own unit (kg, litre…)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    unit = models.CharField(_("unit"), max_length=50, help_text=_("e.g. kg, litre"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("raw material")
        verbose_name_plural = _("raw materials")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class Recipe(models.Model):
    """How one liquid is made: ingredients for one batch and the litres it is expected to give,
    and the prices it is shared and sold at."""

    name = models.CharField(_("liquid"), max_length=200, unique=True, help_text=_("e.g. dishwashing liquid"))
    expected_litres = models.DecimalField(_("expected litres per batch"), max_digits=10, decimal_places=2)
    member_price = models.DecimalField(_("member price per litre"), max_digits=12, decimal_places=2)
    community_price = models.DecimalField(_("community price per litre"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipe")
        verbose_name_plural = _("recipes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_litres__gt=0, member_price__gt=0, community_price__gt=0),
                name="recipe_positive",
                violation_error_message=_("A recipe makes more than 0 litres."),
            ),
        ]

    def __str__(self):
        return self.name


class Ingredient(models.Model):
    recipe = models.ForeignKey(Recipe, verbose_name=_("recipe"), on_delete=models.CASCADE, related_name="ingredients")
    material = models.ForeignKey(
        RawMaterial, verbose_name=_("raw material"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity per batch"), max_digits=10, decimal_places=3)

    class Meta:
        verbose_name = _("ingredient")
        verbose_name_plural = _("ingredients")
        constraints = [
            models.UniqueConstraint(fields=["recipe", "material"], name="ingredient_once_per_recipe"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="ingredient_quantity_positive",
                violation_error_message=_("An ingredient's quantity must be more than 0."),
            ),
        ]

    def __str__(self):
        return f"{self.material.name} {format_quantity(self.quantity)} {self.material.unit}"


class Batch(PostedRow):
    """One making of a liquid: it consumes raw materials at their cost and gives litres."""

    recipe = models.ForeignKey(Recipe, verbose_name=_("recipe"), on_delete=models.PROTECT, related_name="batches")
    date = models.DateField(_("date"))
    scale = models.DecimalField(_("scale"), max_digits=6, decimal_places=2, help_text=_("1 = the recipe as written"))
    litres = models.DecimalField(_("litres made"), max_digits=10, decimal_places=2)
    cost = models.DecimalField(_("cost of materials"), max_digits=12, decimal_places=2)
    makers = models.ManyToManyField(
        "groups.Member", verbose_name=_("members who made it"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scale__gt=0, litres__gt=0, cost__gte=0), name="batch_positive"),
        ]

    def __str__(self):
        return f"{self.recipe} {be_date(self.date)}"

    @property
    def cost_per_litre(self):
        return self.cost / self.litres

    @property
    def expected_litres(self):
        return self.recipe.expected_litres * self.scale


class BatchReversal(PostedRow):
    """A batch undone: its litres leave the stock of the liquid and its materials come back, both
    dated the day of the correction, with the reason."""

    batch = models.OneToOneField(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="reversal")
    date = models.DateField(_("date of the correction"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("batch reversal")
        verbose_name_plural = _("batch reversals")
        ordering = ["-date", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="batch_reversal_has_reason")]

    def __str__(self):
        return f"{self.batch} {be_date(self.date)}"


class MaterialKind(models.TextChoices):
    BOUGHT = "bought", _("Bought")
    USED = "used", _("Used in a batch")
    RETURNED = "returned", _("Back from a reversed batch")
    SPOILED = "spoiled", _("Spoiled")
    COUNTED = "counted", _("Stock count correction")
    REVERSED = "reversed", _("Purchase reversed")


class MaterialMovement(PostedRow):
    material = models.ForeignKey(
        RawMaterial, verbose_name=_("raw material"), on_delete=models.PROTECT, related_name="movements"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=MaterialKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.PROTECT, related_name="materials_used"
    )

    class Meta:
        verbose_name = _("raw material movement")
        verbose_name_plural = _("raw material movements")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="bought", quantity__gt=0, value__gt=0)
                | Q(kind="returned", quantity__gt=0, value__gte=0)
                | Q(kind__in=["used", "spoiled", "reversed"], quantity__lt=0, value__lte=0)
                | Q(kind="counted"),
                name="material_movement_sign",
            ),
        ]

    def __str__(self):
        return f"{self.material.name} {format_quantity(self.quantity)}"


class LiquidSale(PostedRow):
    """Litres of a liquid shared to a member at the member price or sold in the community."""

    class Buyer(models.TextChoices):
        MEMBER = "member", _("Member")
        COMMUNITY = "community", _("Community")

    recipe = models.ForeignKey(Recipe, verbose_name=_("liquid"), on_delete=models.PROTECT, related_name="sales")
    date = models.DateField(_("date"))
    buyer = models.CharField(_("sold to"), max_length=20, choices=Buyer.choices)
    member = models.ForeignKey(
        "groups.Member", verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    litres = models.DecimalField(_("litres"), max_digits=10, decimal_places=2)
    price_per_litre = models.DecimalField(_("price per litre"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )

    class Meta:
        verbose_name = _("liquid sale")
        verbose_name_plural = _("liquid sales")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, litres__gt=0, amount__gt=0)
                | Q(reverses__isnull=False, litres__lt=0, amount__lt=0),
                name="liquid_sale_sign",
            ),
            models.CheckConstraint(
                condition=Q(buyer="member", member__isnull=False) | Q(buyer="community", member__isnull=True),
                name="liquid_sale_member_when_member",
            ),
        ]

    def __str__(self):
        return f"{self.recipe} {format_quantity(self.litres)}"
