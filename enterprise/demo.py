"""Demo enterprise that reproduces the report of 9 March 2565: the first donation, 5,000 baht from a
lecturer of Songkhla Rajabhat University, the 5 % levy on the groups' deposits of
December 2564 – February 2565, and bulk buying of the four staples (rice, drinking water, eggs,
cooking oil), and a batch of each cleaning liquid. Names of people and shops are made up."""

import datetime
from decimal import Decimal

from groups.selectors import groups_founded
from songkhla_network.thai import be_month, month_end

from . import selectors, services
from .models import Donation, Ingredient, LevyPosting, LiquidSale, Product, RawMaterial, Recipe, Supplier

DONOR = "อาจารย์สมหญิง ใจงาม"
FIRST_DONATION = Decimal("5000.00")
LEVY_FIRST, LEVY_LAST = datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)


def seed(*, user, today):
    """Create the donation and the levy posting unless they exist. Returns what was created."""
    created = []
    if not Donation.objects.filter(donor=DONOR).exists():
        services.donation_post(
            donor=DONOR,
            donor_detail="มหาวิทยาลัยราชภัฏสงขลา",
            date=datetime.date(2022, 2, 25),
            amount=FIRST_DONATION,
            purpose="เงินทุนเริ่มต้นกิจการของกลุ่มคนจนเมืองบ่อยางสงขลา",
            user=user,
        )
        created.append("donation")
    if not LevyPosting.objects.filter(first_month=LEVY_FIRST, last_month=LEVY_LAST).exists():
        services.levy_post(first=LEVY_FIRST, last=LEVY_LAST, date=datetime.date(2022, 3, 5), user=user)
        created.append("levy")
    return created + seed_buying(user=user, today=today) + seed_production(user=user)


SUPPLIERS = [
    ("ร้านข้าวสารบ่อยาง", "074-311-001"),
    ("โรงน้ำดื่มสงขลา", "074-311-002"),
    ("ฟาร์มไข่ควนลัง", "074-311-003"),
    ("ห้างส่งสินค้าสงขลา", "074-311-004"),
]
# name, unit, supplier, pack, units per pack, pack price, member price, retail price
PRODUCTS = [
    ("ข้าวสาร", "ถุง 5 กก.", 0, "กระสอบ", 6, "780.00", "140.00", "165.00"),
    ("น้ำดื่ม", "แพ็ก 12 ขวด", 1, "ลัง", 4, "200.00", "55.00", "72.00"),
    ("ไข่ไก่", "แผง 30 ฟอง", 2, "ลัง", 10, "1050.00", "112.00", "130.00"),
    ("น้ำมันพืช", "ขวด 1 ลิตร", 3, "ลัง", 12, "540.00", "47.00", "56.00"),
]


def seed_buying(*, user, today):
    """Suppliers, the four staples, a finished round of March 2565 (orders, a crate of eggs short,
    pick-up and payments), and a round taking orders now, for the treasurers to try."""
    if Product.objects.exists():
        return []
    suppliers = [Supplier.objects.create(name=n, phone=p) for n, p in SUPPLIERS]
    for name, unit, s, pack, per_pack, pack_price, member_price, retail in PRODUCTS:
        Product.objects.create(
            name=name,
            unit=unit,
            supplier=suppliers[s],
            pack_name=pack,
            units_per_pack=per_pack,
            pack_price=Decimal(pack_price),
            member_price=Decimal(member_price),
            retail_price=Decimal(retail),
            retail_seen_on=datetime.date(2022, 2, 28),
        )
    march = services.round_open(
        title="ซื้อร่วมรอบมีนาคม 2565",
        opened_on=datetime.date(2022, 3, 1),
        closes_on=datetime.date(2022, 3, 10),
        pickup_on=datetime.date(2022, 3, 15),
        user=user,
    )
    items = list(march.items.order_by("product__name"))
    for group in _first_groups(3):
        quantities = {}
        for member in group.members.order_by("number"):
            for k, item in enumerate(items):
                if (member.number + k) % 3:
                    quantities[(member.pk, item.pk)] = 1 + (member.number + k) % 2
        services.orders_replace(
            buying_round=march, group=group, quantities=quantities, user=user, today=march.opened_on
        )
    totals = selectors.item_totals(march)
    services.round_close(buying_round=march, packs={t.item.pk: t.packs_up for t in totals}, user=user)
    # The egg farm brought one crate short: the eggs are shared out in proportion to the orders.
    received = {t.item.pk: t.packs_up - (1 if t.item.product.name == "ไข่ไก่" else 0) for t in totals}
    services.round_receive(buying_round=march, received=received, notes={}, date=datetime.date(2022, 3, 15), user=user)
    for bill in selectors.bills(march):
        if bill.member.number % 4:  # most paid at pick-up; a few still owe
            services.payment_post(
                buying_round=march, member=bill.member, amount=bill.owed, date=datetime.date(2022, 3, 15), user=user
            )
    services.round_open(
        title=f"ซื้อร่วมรอบ {be_month(today)}",
        opened_on=today,
        closes_on=today + datetime.timedelta(days=7),
        pickup_on=today + datetime.timedelta(days=10),
        user=user,
    )
    return ["buying"]


def _first_groups(count):
    """The first groups the demo founded, in the period the report covers."""
    return groups_founded(LEVY_FIRST, month_end(LEVY_LAST))[:count]


MATERIALS = [
    ("หัวเชื้อ N70", "กก.", "20", "1400.00"),
    ("ผงข้น", "กก.", "5", "250.00"),
    ("เกลือ", "กก.", "10", "100.00"),
    ("น้ำหอม", "ลิตร", "2", "600.00"),
    ("ผงฟอง", "กก.", "5", "300.00"),
]
# liquid, litres per batch, member price, community price, [(material, quantity per batch)]
RECIPES = [
    ("น้ำยาล้างจาน", "20", "15.00", "20.00", [("หัวเชื้อ N70", "2"), ("ผงข้น", "0.5"), ("เกลือ", "1"), ("น้ำหอม", "0.1")]),
    ("น้ำยาซักผ้า", "20", "20.00", "25.00", [("หัวเชื้อ N70", "3"), ("ผงฟอง", "1"), ("น้ำหอม", "0.2")]),
    ("น้ำยาเอนกประสงค์", "20", "12.00", "15.00", [("หัวเชื้อ N70", "1.5"), ("เกลือ", "0.5"), ("น้ำหอม", "0.1")]),
]


def seed_production(*, user):
    """Raw materials bought in March 2565, a recipe and a batch of each liquid, and some sharing."""
    if RawMaterial.objects.exists():
        return []
    materials = {}
    for name, unit, quantity, cost in MATERIALS:
        materials[name] = RawMaterial.objects.create(name=name, unit=unit)
        services.material_buy(
            material=materials[name],
            quantity=Decimal(quantity),
            cost=Decimal(cost),
            date=datetime.date(2022, 3, 18),
            user=user,
        )
    makers = list(_first_groups(1)[0].members.order_by("number")[:4])
    for name, litres, member_price, community_price, ingredients in RECIPES:
        recipe = Recipe.objects.create(
            name=name,
            expected_litres=Decimal(litres),
            member_price=Decimal(member_price),
            community_price=Decimal(community_price),
        )
        for material, quantity in ingredients:
            Ingredient.objects.create(recipe=recipe, material=materials[material], quantity=Decimal(quantity))
        services.batch_make(
            recipe=recipe,
            date=datetime.date(2022, 3, 20),
            scale=Decimal("1"),
            litres=Decimal(litres) - 1,
            makers=makers,
            user=user,
        )
        for member in makers:
            services.liquid_sell(
                recipe=recipe,
                buyer=LiquidSale.Buyer.MEMBER,
                member=member,
                litres=Decimal("2"),
                date=datetime.date(2022, 3, 21),
                user=user,
            )
        services.liquid_sell(
            recipe=recipe,
            buyer=LiquidSale.Buyer.COMMUNITY,
            member=None,
            litres=Decimal("5"),
            date=datetime.date(2022, 3, 22),
            user=user,
        )
    return ["production"]
