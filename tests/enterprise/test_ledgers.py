"""The enterprise's figures as of a date, and its ledgers that reconcile.

Every figure of a period comes from the rows dated up to its last day: the levy the cash book took
in counts by the day it was posted (the levy the deposits owe counts by the month a saving is for,
and the pages say which is which), the cash, the stock of goods, of raw materials and of liquids
by the day they moved. Each ledger's page shows opening + in − out = closing. A property test makes
random histories and checks every identity, that the statement page, its Excel workbook and the
CODI report's enterprise section give the same figures, and that the figures of a period stay as
they were when later rows are added.

The property test runs 12 derandomized examples in `make test`; for a deeper run:

    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh -p no:randomly \\
        tests/enterprise/test_ledgers.py -k random_histories

(400 examples, not derandomized: about 15 minutes on the 2-core development machine)."""

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from enterprise import selectors, services
from enterprise.excel import statement_rows
from enterprise.models import CashEntry, LiquidSale, Product, RawMaterial
from groups.selectors import network_money
from songkhla_network.thai import month_end, month_start
from tests.factories import DEMO_PERIOD, LEVY_MONTHS, deposit_plans, donate, make_products, make_recipe, post_deposits
from tests.helpers import assert_no_english, rolled_back

pytestmark = pytest.mark.django_db

DEC, FEB, MAR = datetime.date(2021, 12, 1), datetime.date(2022, 2, 1), datetime.date(2022, 3, 1)
FEB_END = datetime.date(2022, 2, 28)


def months(first, last):
    """A period of months as the period forms send it."""
    return {
        "first_0": str(first.month),
        "first_1": str(first.year + 543),
        "last_0": str(last.month),
        "last_1": str(last.year + 543),
    }


def summary_of(workbook):
    """{label: value} of a workbook's first sheet."""
    return {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}


def thai(text):
    with translation.override("th"):
        return gettext(text)


# The reported bug: the levy was posted on 5 March 2565, after the period December – February.


@pytest.fixture
def demo(settings, client, staff):
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(staff)
    return client


def test_the_demo_period_states_the_levy_owed_and_posted_and_the_cash_as_of_28_february_2565(demo):
    report = demo.get(reverse("report"), DEMO_PERIOD).context["report"]
    e = report.enterprise
    assert (e.levy_owed, e.levy_posted, e.cash) == (Decimal("2811.25"), Decimal("0.00"), Decimal("5000.00"))
    assert report.last == FEB_END and report.donated == Decimal("5000.00")
    body = demo.get(reverse("report"), DEMO_PERIOD).content.decode()
    for phrase in [
        "นับตามเดือนของเงินฝาก): 2,811.25 บาท",
        "นับตามวันที่นำเข้า): 0.00 บาท ภายใน 28 กุมภาพันธ์ 2565",
        "ณ 28 กุมภาพันธ์ 2565 กิจการมีเงินสด 5,000.00 บาท",
    ]:
        assert phrase in body, phrase
    workbook = load_workbook(io.BytesIO(demo.get(reverse("report_xlsx"), DEMO_PERIOD).content))
    summary = summary_of(workbook)
    owed = thai("5 % levy owed on the period's deposits, by the month a saving is for (baht)")
    posted = thai("5 % levy posted into the enterprise's cash in the period, by the date of posting (baht)")
    assert (summary[owed], summary[posted], summary[thai("Enterprise cash at the end (baht)")]) == (2811.25, 0, 5000)

    # The statement page and its workbook say the same.
    page = demo.get(reverse("enterprise:statement"), DEMO_PERIOD)
    assert_no_english(page)
    s = page.context["statement"]
    assert (s.levy_owed, s.levy_posted, s.closing_cash, s.donations) == (
        Decimal("2811.25"),
        0,
        Decimal("5000.00"),
        Decimal("5000.00"),
    )
    text = page.content.decode()
    assert "ตามเดือนของเงินฝาก" in text and "ตามวันที่นำเข้า" in text
    statement = summary_of(
        load_workbook(io.BytesIO(demo.get(reverse("enterprise:statement_xlsx"), DEMO_PERIOD).content))
    )
    assert statement[thai("Cash at the end")] == 5000
    assert statement[thai("5 % levy posted into the cash book in the period (by the date of posting)")] == 0
    owed = thai("5 % levy owed on the deposits for the period's months (by the month a saving is for)")
    assert statement[owed] == 2811.25

    # March 2565, the month it was posted in: nothing owed for March's deposits yet levied, and
    # the 2,811.25 baht came into the cash then.
    march = demo.get(reverse("enterprise:statement"), months(MAR, MAR)).context["statement"]
    assert march.levy_posted == Decimal("2811.25") and march.opening_cash == Decimal("5000.00")


def test_the_levy_posted_counts_by_the_day_of_posting_not_the_months_it_levies(group_a, leader):
    post_deposits([(0, 1, DEC, Decimal("100.00"), False)], groups=[group_a], user=leader)
    services.levy_post(first=DEC, last=DEC, date=datetime.date(2022, 3, 5), user=leader)
    december = selectors.statement(DEC, month_end(DEC))
    assert (december.levy_owed, december.levy_posted, december.closing_cash) == (Decimal("5.00"), 0, 0)
    march = selectors.statement(MAR, month_end(MAR))
    assert (march.levy_owed, march.levy_posted, march.closing_cash) == (0, Decimal("5.00"), Decimal("5.00"))


# Each ledger reconciles on its page.


@pytest.fixture
def history(leader, group_a):
    """A little of everything in February and March 2565."""
    day = datetime.date(2022, 2, 10)
    donate(leader, "5000", day)
    recipe = make_recipe(leader, day)
    services.batch_make(recipe=recipe, date=day, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader)
    services.liquid_sell(
        recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal("5"), date=MAR, user=leader
    )
    batch = services.batch_make(
        recipe=recipe, date=MAR, scale=Decimal("1"), litres=Decimal("18"), makers=[], user=leader
    )
    services.batch_reverse(batch=batch, date=datetime.date(2022, 3, 2), reason="ทำผิดสูตร", user=leader)
    rice, _eggs = make_products(day)
    buying_round = services.round_open(
        title="รอบกุมภาพันธ์", opened_on=day, closes_on=day, pickup_on=day + datetime.timedelta(days=2), user=leader
    )
    item = buying_round.items.get(product=rice)
    member = group_a.members.get(number=1)
    services.orders_replace(
        buying_round=buying_round, group=group_a, quantities={(member.pk, item.pk): 2}, user=leader, today=day
    )
    services.round_close(
        buying_round=buying_round, packs={i.pk: (1 if i == item else 0) for i in buying_round.items.all()}, user=leader
    )
    services.round_receive(
        buying_round=buying_round,
        received={i.pk: (1 if i == item else 0) for i in buying_round.items.all()},
        notes={},
        date=buying_round.pickup_on,
        user=leader,
    )
    services.stock_move(product=rice, kind="spoiled", quantity=1, date=MAR, note="ถุงขาด", user=leader)
    return recipe


def test_each_ledger_page_shows_opening_in_out_and_closing_for_a_period(client, leader, history):
    client.force_login(leader)
    period = months(MAR, MAR)

    cash = client.get(reverse("enterprise:cash_book"), {"first": "1/3/2565", "last": "31/3/2565"})
    assert_no_english(cash)
    ledger = cash.context["ledger"]
    assert ledger.balanced and ledger.opening == selectors.cash_balance(FEB_END)
    assert (ledger.money_in, ledger.closing) == (Decimal("100.00"), selectors.cash_balance())
    assert [row.running_balance for row in cash.context["page"]][-1] == ledger.closing
    assert "✓" in cash.content.decode()

    stock = client.get(reverse("enterprise:stock"), period)
    assert_no_english(stock)
    [rice] = stock.context["ledgers"]
    assert (rice.opening, rice.received, rice.given_out, rice.spoiled, rice.counted, rice.closing) == (4, 0, 0, 1, 0, 3)
    assert rice.balanced and rice.value == Decimal("390.00")

    production = client.get(reverse("enterprise:production"), period)
    assert_no_english(production)
    [liquid] = production.context["liquid_ledgers"]
    assert (liquid.opening, liquid.made, liquid.reversed, liquid.sold, liquid.closing) == (20, 18, 18, 5, 15)
    assert liquid.balanced and liquid.batches_net == 0
    materials = {m.material.name: m for m in production.context["material_ledgers"]}
    n70 = materials["หัวเชื้อ N70"]
    assert (n70.opening, n70.used, n70.returned, n70.closing) == (8, 2, 2, 8) and n70.balanced
    assert all(m.balanced for m in materials.values())
    page = production.content.decode()
    assert page.count("✓") == 1 + len(materials)


def test_a_liquid_and_its_materials_count_what_moved_before_in_and_after_the_period(leader):
    """Batches made and reversed before the period, in it and after it, and litres sold before
    and in it: each counts once, in its own period, by its own date."""
    day = lambda month, n: datetime.date(2022, month, n)  # noqa: E731
    donate(leader, "5000", day(1, 1))
    recipe = make_recipe(leader, day(1, 1))  # 10 kg of N70 at 70 baht, 4 kg of salt at 10
    batch = lambda date: services.batch_make(  # noqa: E731  20 litres of 2 kg N70 and 1 kg salt: 150 baht
        recipe=recipe, date=date, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    sell = lambda litres, date: services.liquid_sell(  # noqa: E731
        recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal(litres), date=date, user=leader
    )
    first_a, first_b = batch(day(1, 5)), batch(day(1, 10))
    sell("5", day(1, 15))
    services.batch_reverse(batch=first_a, date=day(1, 20), reason="ผิดสูตร", user=leader)
    in_period = batch(day(2, 5))
    batch(day(2, 10))
    services.batch_reverse(batch=first_b, date=day(2, 15), reason="ผิดสูตร", user=leader)
    sell("3", day(2, 20))
    services.batch_reverse(batch=in_period, date=day(3, 5), reason="ผิดสูตร", user=leader)  # after the period

    [liquid] = selectors.liquid_ledgers(day(2, 1), FEB_END)
    assert (liquid.opening, liquid.made, liquid.reversed, liquid.sold, liquid.closing) == (15, 40, 20, 3, 32)
    assert (liquid.batches, liquid.batches_reversed, liquid.cost) == (2, 1, Decimal("150.00"))
    # What is left is worth what the two batches not reversed by the end cost, per litre.
    assert (liquid.made_by_end, liquid.cost_by_end, liquid.value) == (40, Decimal("300.00"), Decimal("240.00"))
    [march] = selectors.liquid_ledgers(day(3, 1), day(3, 31))
    assert (march.opening, march.reversed, march.batches_reversed, march.closing) == (32, 20, 1, 12)

    materials = {m.material.name: m for m in selectors.material_ledgers(day(2, 1), FEB_END)}
    n70, salt = materials["หัวเชื้อ N70"], materials["เกลือ"]
    assert (n70.opening, n70.bought, n70.used, n70.returned, n70.closing, n70.value) == (
        8,
        0,
        4,
        2,
        6,
        Decimal("420.00"),
    )
    assert (salt.opening, salt.used, salt.returned, salt.closing, salt.value) == (3, 2, 1, 2, Decimal("20.00"))
    before_any = datetime.date(2021, 12, 31)
    assert selectors.material_ledgers(before_any, before_any) == []  # nothing had moved

    cash = selectors.cash_ledger(day(2, 1), FEB_END)
    assert (cash.opening, cash.money_in, cash.money_out, cash.closing) == (
        Decimal("4360.00"),
        Decimal("60.00"),
        Decimal("0.00"),
        Decimal("4420.00"),
    )
    assert cash.by_kind["sale"] == Decimal("60.00") and cash.by_kind["donation"] == 0 and cash.balanced


def test_a_wrong_period_on_a_ledger_page_is_said_beside_the_field_and_the_default_shown(client, leader, history):
    client.force_login(leader)
    backwards = {"first_0": "3", "first_1": "2565", "last_0": "1", "last_1": "2565"}
    for name in ("enterprise:stock", "enterprise:production", "enterprise:statement"):
        response = client.get(reverse(name), backwards)
        form = response.context["period_form"] if "period_form" in response.context else response.context["form"]
        assert response.status_code == 200 and form.errors["last"], name
        assert_no_english(response)
    response = client.get(reverse("enterprise:cash_book"), {"first": "31/3/2565", "last": "1/3/2565"})
    assert response.status_code == 200 and response.context["form"].errors["last"]
    assert_no_english(response)


@pytest.mark.parametrize("rows", [1, 12])
def test_the_ledger_pages_take_the_same_queries_whatever_the_rows(client, leader, django_assert_max_num_queries, rows):
    day = datetime.date(2022, 2, 10)
    recipe = make_recipe(leader, day, n70="100", salt="100")
    rice, eggs = make_products(day)
    for n in range(rows):
        donation = donate(leader, "10", day)
        if n % 2:
            services.donation_reverse(donation=donation, date=MAR, reason="ผิด", user=leader)
        batch = services.batch_make(
            recipe=recipe, date=day, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
        )
        if n % 2:
            services.batch_reverse(batch=batch, date=MAR, reason="ผิด", user=leader)
        RawMaterial.objects.create(name=f"วัตถุดิบ {n}", unit="กก.")
        Product.objects.create(
            name=f"สินค้า {n}",
            unit="ชิ้น",
            supplier=rice.supplier,
            pack_name="ลัง",
            units_per_pack=1,
            pack_price=Decimal("10"),
            member_price=Decimal("10"),
            retail_price=Decimal("12"),
            retail_seen_on=day,
        )
    client.force_login(leader)
    period = months(FEB, MAR)
    for name, params, limit in [
        ("enterprise:cash_book", {}, 8),
        ("enterprise:stock", period, 8),
        ("enterprise:production", period, 14),
        ("enterprise:statement", period, 12),
        ("enterprise:statement_xlsx", period, 12),
        ("enterprise:donations", {}, 6),
    ]:
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(name), params).status_code == 200, name


# Random histories: every identity holds, every page agrees, and a period's figures stay put.

START, LATER = datetime.date(2021, 12, 1), datetime.date(2022, 4, 1)
PERIODS = [(a, b) for a in LEVY_MONTHS for b in LEVY_MONTHS if a <= b]


def days_from(start, count):
    return st.integers(0, count - 1).map(lambda n: start + datetime.timedelta(days=n))


def steps(day):
    """One thing the enterprise does, on a day drawn from `day`."""
    after = st.integers(0, 30)
    return st.one_of(
        st.tuples(st.just("donate"), day, st.sampled_from(["100", "2500.25", "5000"])),
        st.tuples(st.just("levy"), st.sampled_from(PERIODS), day),
        st.tuples(st.just("buy"), st.sampled_from([0, 1]), st.sampled_from(["1", "2.5", "10"]), day),
        st.tuples(st.just("batch"), st.sampled_from(["0.5", "1", "2"]), day),
        st.tuples(st.just("sell"), st.sampled_from(LiquidSale.Buyer.values), st.sampled_from(["1", "5", "12.5"]), day),
        st.tuples(st.just("round"), day, st.integers(0, 1), st.booleans()),
        st.tuples(st.just("stock"), st.sampled_from(["out", "spoiled", "counted"]), st.integers(0, 4), day),
        st.tuples(st.just("reverse_batch"), st.integers(0, 9), after),
        st.tuples(st.just("reverse_cash"), st.integers(0, 99), after),
    )


def _apply(step, *, leader, group, recipe, products, materials, floor):
    """Do `step` through the services; a refusal is part of the history too (nothing written).
    A correction is dated `after` days after what it corrects, and not before `floor`."""
    kind, *args = step
    day_after = lambda date, n: max(date + datetime.timedelta(days=n), floor)  # noqa: E731
    try:
        if kind == "donate":
            day, amount = args
            donate(leader, amount, day)
        elif kind == "levy":
            (first, last), day = args
            services.levy_post(first=first, last=last, date=day, user=leader)
        elif kind == "buy":
            which, quantity, day = args
            services.material_buy(
                material=materials[which],
                quantity=Decimal(quantity),
                cost=Decimal(quantity) * 30,
                date=day,
                user=leader,
            )
        elif kind == "batch":
            scale, day = args
            services.batch_make(
                recipe=recipe, date=day, scale=Decimal(scale), litres=Decimal(scale) * 20, makers=[], user=leader
            )
        elif kind == "sell":
            buyer, litres, day = args
            member = group.members.get(number=1) if buyer == LiquidSale.Buyer.MEMBER else None
            services.liquid_sell(
                recipe=recipe, buyer=buyer, member=member, litres=Decimal(litres), date=day, user=leader
            )
        elif kind == "round":
            day, short, pay = args
            _round(day, short, pay, leader=leader, group=group)
        elif kind == "stock":
            what, quantity, day = args
            services.stock_move(
                product=products[quantity % 2], kind=what, quantity=quantity, date=day, note="", user=leader
            )
        elif kind == "reverse_batch":
            index, after = args
            batches = list(recipe.batches.order_by("id"))
            if batches:
                batch = batches[index % len(batches)]
                services.batch_reverse(batch=batch, date=day_after(batch.date, after), reason="ผิด", user=leader)
        elif kind == "reverse_cash":
            index, after = args
            rows = list(CashEntry.objects.filter(reverses__isnull=True).order_by("id"))
            if rows:
                row = rows[index % len(rows)]
                services.cash_reverse(entry=row, date=day_after(row.date, after), reason="แก้ไข", user=leader)
    except ValidationError:
        event(f"{kind} refused")  # `--hypothesis-show-statistics` shows what the histories hold
    else:
        event(f"{kind} done")


def _round(day, short, pay, *, leader, group):
    buying_round = services.round_open(
        title=f"รอบ {day}", opened_on=day, closes_on=day, pickup_on=day + datetime.timedelta(days=2), user=leader
    )
    items = list(buying_round.items.order_by("product__name"))
    first, second = group.members.order_by("number")[:2]
    quantities = {(first.pk, items[0].pk): 4, (second.pk, items[0].pk): 3, (first.pk, items[1].pk): 2}
    services.orders_replace(buying_round=buying_round, group=group, quantities=quantities, user=leader, today=day)
    totals = selectors.item_totals(buying_round)
    services.round_close(buying_round=buying_round, packs={t.item.pk: t.packs_up for t in totals}, user=leader)
    services.round_receive(
        buying_round=buying_round,
        received={t.item.pk: max(t.packs_up - short, 0) for t in totals},
        notes={},
        date=buying_round.pickup_on,
        user=leader,
    )
    for bill in selectors.bills(buying_round):
        if pay and bill.owed > 0:
            services.payment_post(
                buying_round=buying_round,
                member=bill.member,
                amount=bill.owed,
                date=buying_round.pickup_on,
                user=leader,
            )


def figures(s):
    """Every figure of a statement, to compare two."""
    return {
        "cash": (s.opening_cash, s.donations, s.levy_posted, s.sales, s.purchases, s.production_costs, s.closing_cash),
        "levy_owed": s.levy_owed,
        "stock": (s.goods_stock, s.materials_stock, s.liquids_stock),
        "saved": s.members_saved,
        "goods": [
            (g.product.pk, g.opening, g.received, g.given_out, g.spoiled, g.counted, g.closing, g.value)
            for g in s.goods
        ],
        "materials": [
            (
                m.material.pk,
                m.opening,
                m.bought,
                m.returned,
                m.used,
                m.spoiled,
                m.purchases_reversed,
                m.counted,
                m.closing,
                m.value,
            )
            for m in s.materials
        ],
        "liquids": [
            (
                x.recipe.pk,
                x.opening,
                x.made,
                x.reversed,
                x.sold,
                x.closing,
                x.batches,
                x.batches_reversed,
                x.cost,
                x.value,
            )
            for x in s.liquids
        ],
    }


def _check_identities(s, first, last):
    assert s.cash.balanced, s.cash
    assert s.closing_cash == selectors.cash_balance(last)
    assert s.opening_cash == selectors.cash_balance(first - datetime.timedelta(days=1))
    assert s.opening_cash + s.capital_in + s.sales - s.purchases - s.production_costs == s.closing_cash
    for goods in s.goods:
        assert goods.balanced, goods
        assert goods.closing == selectors.stock_on_hand(goods.product, as_of=last) >= 0, goods
    for material in s.materials:
        assert material.balanced and material.closing >= 0, material
    for liquid in s.liquids:
        assert liquid.balanced and liquid.closing >= 0, liquid
    assert s.donations == sum((line.amount for line in selectors.donation_lines(first, last)), Decimal(0))
    assert s.levy_owed == network_money(month_start(first), month_start(last)).levy


def _check_pages_agree(client, s, period):
    page = client.get(reverse("enterprise:statement"), period).context["statement"]
    assert figures(page) == figures(s)
    workbook = load_workbook(io.BytesIO(client.get(reverse("enterprise:statement_xlsx"), period).content))
    rows = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [value for _label, value in rows[1:]] == [
        float(value) if isinstance(value, Decimal) else value for _label, value in statement_rows(s)[1:]
    ]
    start, *moves, end = [row[1] for row in rows[1:8]]
    assert round(start + sum(moves), 2) == end  # the workbook's cash adds up too
    report = client.get(reverse("report"), period).context["report"]
    assert figures(report.enterprise.statement) == figures(s)
    assert report.donated == s.donations and report.savings.levy == s.levy_owed
    summary = summary_of(load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), period).content)))
    for label, value in [
        ("Donations, less those reversed (baht)", s.donations),
        ("5 % levy owed on the period's deposits, by the month a saving is for (baht)", s.levy_owed),
        ("5 % levy posted into the enterprise's cash in the period, by the date of posting (baht)", s.levy_posted),
        ("Enterprise cash at the end (baht)", s.closing_cash),
        ("Enterprise stock at cost at the end (baht)", s.stock_value),
        ("Members saved on buying rounds (baht)", s.members_saved),
    ]:
        assert Decimal(str(summary[thai(label)])) == value, label


@given(
    deposits=deposit_plans(groups=1),
    history=st.lists(steps(days_from(START, 121)), max_size=14),
    later=st.lists(steps(days_from(LATER, 60)), max_size=6),
    period=st.sampled_from(PERIODS),
)
@settings(
    max_examples=12 if os.environ.get("HYPOTHESIS_PROFILE") != "deep" else 400,
    derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "deep",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_random_histories_reconcile_agree_everywhere_and_stay_put(
    client, leader, group_a, deposits, history, later, period
):
    first, last = period[0], month_end(period[1])
    client.force_login(leader)
    with rolled_back():
        post_deposits(deposits, groups=[group_a], user=leader)
        day = datetime.date(2021, 12, 1)
        recipe = make_recipe(leader, day)
        products = make_products(day)
        materials = list(RawMaterial.objects.order_by("name"))
        context = dict(leader=leader, group=group_a, recipe=recipe, products=products, materials=materials)
        for step in history:
            _apply(step, floor=START, **context)
        s = selectors.statement(first, last)
        _check_identities(s, first, last)
        _check_pages_agree(client, s, months(*period))
        whole = selectors.statement(START, month_end(LEVY_MONTHS[-1]))
        _check_identities(whole, START, month_end(LEVY_MONTHS[-1]))

        # Later rows, corrections included, are dated after the period: its figures stay as they were.
        for step in later:
            _apply(step, floor=LATER, **context)
        assert figures(selectors.statement(first, last)) == figures(s)
        end = month_end(datetime.date(2022, 5, 1))
        _check_identities(selectors.statement(START, end), START, end)
