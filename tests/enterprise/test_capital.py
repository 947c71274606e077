"""The enterprise's capital: donations, the 5 % levy on savings deposits, and the cash book."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from enterprise import selectors, services
from enterprise.models import CashEntry, CashKind, Donation, LevyLine, LevyPosting
from groups import selectors as savings_selectors
from groups import services as savings
from tests.factories import LEVY_MONTHS, deposit_plans, make_group, month_splits, post_deposits
from tests.helpers import assert_no_english, at_once, rolled_back

pytestmark = pytest.mark.django_db

DEC, JAN, FEB = datetime.date(2021, 12, 1), datetime.date(2022, 1, 1), datetime.date(2022, 2, 1)
POSTED_ON = datetime.date(2022, 3, 5)


def deposit(group, user, amount="100", month=DEC, number=1):
    return savings.deposit_post(
        member=group.members.get(number=number),
        month=month,
        date=month.replace(day=5),
        amount=Decimal(amount),
        user=user,
    )


def donate(user, amount="5000"):
    return services.donation_post(
        donor="อาจารย์ใจดี",
        donor_detail="มหาวิทยาลัย",
        date=datetime.date(2022, 2, 25),
        amount=Decimal(amount),
        purpose="ทุนเริ่มต้น",
        user=user,
    )


def test_a_donation_enters_the_cash_book(leader):
    donation = donate(leader)
    assert donation.cash_entry.amount == Decimal("5000.00") and donation.cash_entry.kind == CashKind.DONATION
    assert selectors.cash_balance() == Decimal("5000.00")


def test_the_acknowledgement_gives_the_amount_in_words(client, leader):
    donation = donate(leader)
    client.force_login(leader)
    response = client.get(reverse("enterprise:donation", args=[donation.pk]))
    page = response.content.decode()
    assert "5,000.00" in page and "ห้าพันบาทถ้วน" in page and "25 กุมภาพันธ์ 2565" in page
    assert_no_english(response)


@pytest.mark.parametrize(
    "field, value",
    [("amount", "0"), ("amount", "-5"), ("amount", "ห้าพัน"), ("date", "25/2/2022"), ("date", "1/1/2600"), ("donor", "")],
)
def test_a_wrong_donation_gets_a_thai_message_and_writes_nothing(client, leader, field, value):
    client.force_login(leader)
    data = {"donor": "อาจารย์ใจดี", "date": "25/2/2565", "amount": "5,000", "purpose": "", "donor_detail": ""}
    data[field] = value
    response = client.post(reverse("enterprise:donation_new"), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not Donation.objects.exists() and not CashEntry.objects.exists()


def test_the_levy_is_five_percent_of_each_groups_deposits(group_a, group_b, leader):
    deposit(group_a, leader, "100", DEC)
    deposit(group_a, leader, "150", JAN, number=2)
    deposit(group_b, leader, "100.50", FEB)
    posting = services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    assert posting.cash_entry.amount == Decimal("12.50") + Decimal("5.03")  # 5.025 rounds half up
    assert {(line.group.name, line.month): line.deposits for line in posting.lines.all()} == {
        ("กลุ่มเอ", DEC): Decimal("100.00"),
        ("กลุ่มเอ", JAN): Decimal("150.00"),
        ("กลุ่มบี", FEB): Decimal("100.50"),
    }


def test_posting_the_same_months_again_is_refused(group_a, leader):
    deposit(group_a, leader)
    services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    with pytest.raises(ValidationError) as error:
        services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    assert error.value.code == "already_posted"
    with pytest.raises(ValidationError):
        services.levy_post(first=DEC, last=DEC, date=POSTED_ON, user=leader)
    assert LevyPosting.objects.count() == 1 and CashEntry.objects.count() == 1


def test_a_late_deposit_shows_up_as_a_difference_to_post(group_a, leader):
    deposit(group_a, leader, "100", DEC)
    services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    deposit(group_a, leader, "200", DEC, number=2)  # paid late for December
    [due] = selectors.levy_due(DEC, FEB)
    assert (due.deposits, due.levied, due.levy) == (Decimal("300.00"), Decimal("100.00"), Decimal("10.00"))
    posting = services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    assert posting.cash_entry.amount == Decimal("10.00")
    assert selectors.cash_balance() == Decimal("15.00")


def test_a_reversed_deposit_is_never_a_silent_change(group_a, leader):
    entry = deposit(group_a, leader, "100", DEC)
    services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    savings.entry_reverse(entry=entry, date=datetime.date(2022, 3, 6), reason="ผิดคน", user=leader)
    [due] = selectors.levy_due(DEC, FEB)
    assert due.levy == Decimal("-5.00")
    with pytest.raises(ValidationError) as error:
        services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    assert error.value.code == "levy_decrease"
    assert selectors.cash_balance() == Decimal("5.00")


def test_reversing_a_levy_posting_frees_its_months(group_a, leader):
    entry = deposit(group_a, leader, "100", DEC)
    posting = services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    savings.entry_reverse(entry=entry, date=datetime.date(2022, 3, 6), reason="ผิดคน", user=leader)
    deposit(group_a, leader, "80", DEC, number=2)
    services.cash_reverse(entry=posting.cash_entry, date=datetime.date(2022, 3, 7), reason="ยอดผิด", user=leader)
    assert selectors.cash_balance() == 0
    again = services.levy_post(first=DEC, last=FEB, date=datetime.date(2022, 3, 7), user=leader)
    assert again.cash_entry.amount == Decimal("4.00")
    assert sum(line.deposits for line in LevyLine.objects.all()) == Decimal("80.00")


@pytest.mark.django_db(transaction=True)
def test_two_leaders_posting_the_same_levy_at_once_post_it_once(group_a, leader):
    deposit(group_a, leader)

    def post(barrier):
        barrier.wait()
        try:
            services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
        except ValidationError:
            return "refused"
        return "posted"

    assert sorted(at_once(3, post)) == ["posted", "refused", "refused"]
    assert CashEntry.objects.count() == 1


def test_the_cash_book_balances_to_the_sum_of_its_rows(client, group_a, leader):
    deposit(group_a, leader)
    donate(leader)
    services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    donation = donate(leader, "250")
    services.cash_reverse(entry=donation.cash_entry, date=datetime.date(2022, 3, 8), reason="ซ้ำ", user=leader)
    client.force_login(leader)
    response = client.get(reverse("enterprise:cash_book"))
    rows = list(response.context["page"])
    assert [r.running_balance for r in rows] == [
        Decimal("5000.00"),
        Decimal("5250.00"),
        Decimal("5255.00"),
        Decimal("5005.00"),
    ]
    ledger = response.context["ledger"]
    assert ledger.closing == sum(r.amount for r in CashEntry.objects.all()) == Decimal("5005.00")
    assert (ledger.opening, ledger.money_in, ledger.money_out) == (0, Decimal("5255.00"), Decimal("250.00"))
    response = client.get(reverse("enterprise:cash_book"), {"last": "1/3/2565"})
    assert response.context["ledger"].closing == Decimal("5250.00")
    # From 2 March: the rows of those days, each balance carried on from the balance before them.
    response = client.get(reverse("enterprise:cash_book"), {"first": "2/3/2565", "last": "31/3/2565"})
    assert [r.running_balance for r in response.context["page"]] == [Decimal("5255.00"), Decimal("5005.00")]
    assert response.context["ledger"].opening == Decimal("5250.00") and response.context["ledger"].balanced


def test_a_cash_row_is_reversed_once_and_a_reversal_never(leader):
    entry = donate(leader).cash_entry
    reversal = services.cash_reverse(entry=entry, date=datetime.date(2022, 3, 1), reason="ซ้ำ", user=leader)
    with pytest.raises(ValidationError):
        services.cash_reverse(entry=entry, date=datetime.date(2022, 3, 1), reason="ซ้ำอีก", user=leader)
    with pytest.raises(ValidationError):
        services.cash_reverse(entry=reversal, date=datetime.date(2022, 3, 1), reason="กลับ", user=leader)
    assert CashEntry.objects.count() == 2


@pytest.mark.parametrize("sql", ["UPDATE enterprise_cashentry SET amount = 1", "DELETE FROM enterprise_cashentry"])
def test_the_database_refuses_to_rewrite_the_cash_book(leader, sql):
    donate(leader)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert selectors.cash_balance() == Decimal("5000.00")


def test_the_database_refuses_income_with_the_wrong_sign(leader):
    with pytest.raises(IntegrityError), transaction.atomic():
        CashEntry.objects.create(
            date=POSTED_ON, kind=CashKind.LEVY, amount=Decimal("-5"), description="x", posted_by=leader
        )


def test_the_levy_page_posts_and_then_refuses_the_same_months(client, group_a, leader):
    deposit(group_a, leader)
    client.force_login(leader)
    months = {"first_0": "12", "first_1": "2564", "last_0": "2", "last_1": "2565"}
    preview = client.get(reverse("enterprise:levy"), months)
    assert preview.context["to_post"] == Decimal("5.00")
    assert_no_english(preview)
    assert client.post(reverse("enterprise:levy"), {**months, "date": "5/3/2565"}).status_code == 302
    again = client.post(reverse("enterprise:levy"), {**months, "date": "5/3/2565"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert_no_english(again)
    assert CashEntry.objects.count() == 1


@pytest.mark.parametrize("rows", [2, 60])
def test_the_cash_book_and_levy_pages_take_the_same_queries_whatever_the_rows(
    client, leader, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        donate(leader, "10")
    for i in range(rows // 2):
        make_group(f"กลุ่ม{i}", f"ชุมชน{i}", members=1)
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        client.get(reverse("enterprise:cash_book"))
    with django_assert_max_num_queries(8):
        client.get(reverse("enterprise:donations"))
    with django_assert_max_num_queries(10):
        client.get(reverse("enterprise:levy"), {"first_0": "12", "first_1": "2564", "last_0": "2", "last_1": "2565"})


def test_the_statement_adds_up_and_exports_to_excel(client, group_a, leader):
    from io import BytesIO

    from openpyxl import load_workbook

    deposit(group_a, leader)
    donate(leader)
    services.levy_post(first=DEC, last=FEB, date=POSTED_ON, user=leader)
    client.force_login(leader)
    months = {"first_0": "1", "first_1": "2565", "last_0": "3", "last_1": "2565"}
    response = client.get(reverse("enterprise:statement"), months)
    assert_no_english(response)
    s = response.context["statement"]
    assert (s.opening_cash, s.donations, s.levy_posted, s.closing_cash) == (
        0,
        Decimal("5000.00"),
        Decimal("5.00"),
        Decimal("5005.00"),
    )
    assert s.levy_owed == 0  # the levied deposits were for December 2564, before the period
    assert s.opening_cash + s.capital_in + s.sales - s.purchases - s.production_costs == s.closing_cash
    workbook = load_workbook(BytesIO(client.get(reverse("enterprise:statement_xlsx"), months).content))
    values = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert values["เงินสดปลายงวด"] == 5005 and values["ช่วงเวลา"] == "1 มกราคม 2565 – 31 มีนาคม 2565"
    assert [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == [
        "25 กุมภาพันธ์ 2565",
        "5 มีนาคม 2565",
    ]


# One levy, one rounding: per group and month (groups.selectors.levy_owed), whatever shows or posts it.


def _post_levy(first, last, user):
    """The baht a posting of first..last brings into the cash book; 0 when there is none to post."""
    try:
        return services.levy_post(first=first, last=last, date=POSTED_ON, user=user).cash_entry.amount
    except ValidationError:
        return Decimal("0")


@given(plan=deposit_plans(), split=month_splits())
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_posting_the_months_one_by_one_or_all_together_levies_the_same_baht(group_a, group_b, leader, plan, split):
    first, last = LEVY_MONTHS[0], LEVY_MONTHS[-1]
    with rolled_back():
        post_deposits(plan, groups=[group_a, group_b], user=leader)
        owed = savings_selectors.network_money(first, last).levy
        with rolled_back():
            together = _post_levy(first, last, leader)
        with rolled_back():
            apart = sum((_post_levy(a, b, leader) for a, b in split), Decimal("0"))
            assert all(due.levy == 0 for due in selectors.levy_due(first, last))  # nothing left to post
        assert together == apart == owed


MONTHS = {"first_0": "12", "first_1": "2564", "last_0": "2", "last_1": "2565"}


def _shown_everywhere(client):
    """The levy owed for December 2564 – February 2565 as the CODI report (its savings and its
    enterprise), the network summary, the enterprise statement and the levy posted for those
    months show it."""
    report = client.get(reverse("report"), MONTHS).context["report"]
    summary = client.get(reverse("groups:summary"), MONTHS).context["money"]
    statement = client.get(reverse("enterprise:statement"), MONTHS).context["statement"]
    posted = sum(line.levy for line in LevyLine.objects.filter(month__range=(DEC, FEB)))
    return report.savings.levy, report.enterprise.levy_owed, summary.levy, statement.levy_owed, posted


def test_the_levy_page_the_posting_and_the_codi_report_give_one_figure(client, group_a, group_b, leader):
    # 5.025 + 5.025 + 0.005 baht, each rounded up: 10.07; 5 % of the total 201.10 would be 10.06.
    deposit(group_a, leader, "100.50", DEC)
    deposit(group_a, leader, "100.50", JAN, number=2)
    deposit(group_b, leader, "0.10", FEB)
    client.force_login(leader)
    assert client.get(reverse("enterprise:levy"), MONTHS).context["to_post"] == Decimal("10.07")
    assert client.post(reverse("enterprise:levy"), {**MONTHS, "date": "5/3/2565"}).status_code == 302
    assert LevyPosting.objects.get().cash_entry.amount == Decimal("10.07")
    assert _shown_everywhere(client) == (Decimal("10.07"),) * 5


def test_the_demo_levy_is_2811_25_baht_on_every_page(client, settings, leader):
    settings.DEMO = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    client.force_login(leader)
    assert _shown_everywhere(client) == (Decimal("2811.25"),) * 5
    # Undo the demo's posting: the levy page offers the same figure again, and posts it.
    posting = LevyPosting.objects.get(first_month=DEC, last_month=FEB)
    services.cash_reverse(entry=posting.cash_entry, date=POSTED_ON, reason="ลองใหม่", user=leader)
    assert client.get(reverse("enterprise:levy"), MONTHS).context["to_post"] == Decimal("2811.25")
    assert _post_levy(DEC, FEB, leader) == Decimal("2811.25")
