"""The progress report to CODI: every figure from the records, as a Thai PDF (text layer checked,
pages rendered to images), as Excel, from the browser for staff and leaders only, and from the
command line."""

import datetime
import io
import os
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from groups.selectors import loan_portfolio, welfare_paid
from songkhla_network.thai import add_months, be_year, format_baht, month_end, month_start
from tests.factories import (
    DEMO_PERIOD,
    donate,
    make_group,
    make_letter,
    make_loan,
    make_receipt,
    make_recipe,
    make_tenancy,
    make_user,
    make_void,
    make_welfare,
)
from tests.helpers import assert_no_english, pdf_text, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, client):
    """The demo network, and a client signed in as its staff member."""
    from songkhla_network.models import User

    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="staff"))
    return client


def pages_of(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def thai(text):
    with translation.override("th"):
        return gettext(text)


class PreviewText(HTMLParser):
    """The runs of text of the report's body as the page shows it (its charts' labels left out)."""

    def __init__(self):
        super().__init__()
        self.depth, self.svg, self.runs = 0, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svg += 1
        if ("class", "report-preview") in attrs:
            self.depth = 1
        elif self.depth:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg -= 1
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.svg and data.strip():
            self.runs.append(squeezed(data))


def preview_runs(client, period):
    page = PreviewText()
    page.feed(client.get(reverse("report"), period).content.decode())
    return page.runs


def demo_figures(client):
    """What the report of December 2564 – February 2565 says: its page's figures, its PDF's text
    (squeezed) and its workbook's summary."""
    report = client.get(reverse("report"), DEMO_PERIOD).context["report"]
    pdf = client.get(reverse("report_pdf"), DEMO_PERIOD)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), DEMO_PERIOD).content))
    return (
        report,
        pdf.content,
        {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)},
    )


def test_the_demo_report_states_the_networks_own_figures_as_of_28_february_2565(demo, tmp_path):
    """The network's report of 9 March 2565 reproduced for December 2564 – February 2565: 16 groups
    founded, 1 revived, 6 forming, a little over 56,000 baht saved, 5,000 baht donated; and, as of
    the period's last day, the 5 % levy those months owe (2,811.25 baht, by the month a saving is
    for) beside the levy posted by then (none: it was posted on 5 March 2565) and the enterprise's
    cash (the donation alone), each saying what it counts by. A deposit for February paid on 3 March
    and a correction of a February deposit on 4 March, after the period, change none of it."""
    from groups import services
    from groups.models import LedgerEntry, Member
    from songkhla_network.models import User

    report, pdf, summary = demo_figures(demo)
    s, e = report.savings, report.enterprise
    assert report.last == datetime.date(2022, 2, 28)
    assert (len(report.status.founded), report.status.founded_communities) == (16, 16)
    assert (len(report.status.revived), len(report.status.forming)) == (1, 6)
    assert s.balance == Decimal("56225.00") and 56_000 < s.balance < 57_000  # "a little over 56,000 baht"
    assert s.money.reconciles and s.money.saved_for_months == Decimal("56225.00")
    assert report.donated == Decimal("5000.00")
    assert (e.levy_owed, e.levy_posted, e.cash) == (Decimal("2811.25"), Decimal("0.00"), Decimal("5000.00"))

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    flat = squeezed(pdf_text(path))
    for phrase in [
        "ผลการดำเนินงานของเครือข่ายพัฒนาเมืองสงขลา",
        "ช่วง ธันวาคม 2564 – กุมภาพันธ์ 2565",
        "ตัวเลขทั้งหมดในรายงานนี้เป็นยอด ณ 28 กุมภาพันธ์ 2565 วันสุดท้ายของช่วง",
        "ก่อตั้งกลุ่มสัจจะออมทรัพย์ได้แล้ว 16 กลุ่ม 16 ชุมชน",
        "ฟื้นฟู 1 กลุ่ม 1 ชุมชน",
        "กำลังก่อตัวเพื่อก่อตั้ง 6 กลุ่ม 6 ชุมชน",
        # The savings by payment date, reconciled; the deposits by the month a saving is for.
        "ยอดเงินฝากรวม 56,225.00 บาท ณ 28 กุมภาพันธ์ 2565 (นับตามวันที่จ่ายเงิน)",
        "ทั้งเครือข่าย: ยอดยกมา 0.00 + เงินเข้า 56,225.00 − เงินออก 0.00 = ยอดคงเหลือปลายงวด 56,225.00 บาท",
        "เงินฝากรายเดือน นับตามเดือนของเงินฝาก",
        "กุมภาพันธ์ 2565 26,375.00",
        "5,000.00 บาท (ห้าพันบาทถ้วน)",
        # The levy the period's deposits owe, by the month a saving is for, from the deposits paid
        # by its end; the levy posted by its end, by the date of posting: none, as it was posted on
        # 5 March 2565; and the cash then: the donation.
        "เงินสมทบร้อยละ 5 ที่เงินฝากของกลุ่มในเดือนของช่วงนี้ซึ่งจ่ายภายใน 28 กุมภาพันธ์ 2565 ต้องนำส่ง"
        " (นับตามเดือนของเงินฝาก): 2,811.25 บาท จากเงินฝาก 56,225.00 บาท",
        "เงินสมทบที่นำเข้าเงินสดของกิจการในช่วงนี้ (นับตามวันที่นำเข้า): 0.00 บาท ภายใน 28 กุมภาพันธ์ 2565",
        "ณ 28 กุมภาพันธ์ 2565 กิจการมีเงินสด 5,000.00 บาท",
        "150 ราย",
    ]:
        assert squeezed(phrase) in flat, phrase
    pages = pages_of(path)
    assert f"หน้า1จาก{pages}" in flat and f"หน้า{pages}จาก{pages}" in flat

    for label, value in [
        ("Savings groups founded in the period", 16),
        ("Groups revived", 1),
        ("Groups still forming", 6),
        ("Savings at the end of the period, by payment date (baht)", 56225),
        ("Deposits for the period's months, by the month a saving is for (baht)", 56225),
        ("Donations, less those reversed (baht)", 5000),
        ("5 % levy owed on the period's deposits, by the month a saving is for (baht)", 2811.25),
        ("5 % levy posted into the enterprise's cash in the period, by the date of posting (baht)", 0),
        ("Enterprise cash at the end (baht)", 5000),
    ]:
        assert summary[thai(label)] == value, label

    # After the period: a deposit for February paid on 3 March, a February deposit corrected on
    # 4 March. The report of the period says what it said.
    leader = User.objects.get(username="leader")
    # (In a group whose years are open: the demo's first group has closed its last year.)
    member = Member.objects.filter(group__name="กลุ่มสัจจะออมทรัพย์ชุมชนเก้าเส้ง").order_by("number").first()
    services.deposit_post(
        member=member,
        month=datetime.date(2022, 2, 1),
        date=datetime.date(2022, 3, 3),
        amount=Decimal("100.00"),
        user=leader,
    )
    february = (
        LedgerEntry.objects.filter(month=datetime.date(2022, 2, 1), sheet__isnull=False, group__year_ends=None)
        .order_by("id")
        .first()
    )
    services.entry_reverse(entry=february, date=datetime.date(2022, 3, 4), reason="ลงยอดผิด", user=leader)
    later, later_pdf, later_summary = demo_figures(demo)
    assert (later.savings.money.saved_for_months, later.enterprise.levy_owed) == (
        Decimal("56225.00"),
        Decimal("2811.25"),
    )
    assert [(m.month, m.deposits, m.balance) for m in later.month_ends] == [
        (m.month, m.deposits, m.balance) for m in report.month_ends
    ]
    assert later_summary == summary
    path.write_bytes(later_pdf)
    assert squeezed(pdf_text(path)) == flat


def test_the_pages_render_to_images_for_a_person_to_look_at(demo, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(demo.get(reverse("report_pdf"), DEMO_PERIOD).content)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages_of(pdf) >= 3
    assert all(image.stat().st_size > 5000 for image in images)
    if os.environ.get("SHOTS_DIR"):
        for image in images:
            shutil.copy(image, os.path.join(os.environ["SHOTS_DIR"], f"codi-report-{image.name}"))
    # The charts are vector graphics: drawn, not pasted in as pictures.
    images_listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images_listed.strip().splitlines()) <= 2  # the header lines only


def test_the_same_tables_as_an_excel_workbook(demo):
    response = demo.get(reverse("report_xlsx"), DEMO_PERIOD)
    workbook = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary["กลุ่มออมทรัพย์ที่ก่อตั้งในช่วงนี้"] == 16 and summary["กลุ่มที่ฟื้นฟู"] == 1
    assert summary["ยอดเงินฝาก ณ สิ้นช่วง นับตามวันที่จ่ายเงิน (บาท)"] == 56225
    assert summary["ครัวเรือนที่สำรวจในช่วงนี้"] == 150
    donations = list(workbook["เงินบริจาค"].iter_rows(min_row=2, values_only=True))
    assert donations[0][2:4] == (5000, "ห้าพันบาทถ้วน") and not donations[0][4]  # not a reversal


@pytest.mark.parametrize(
    "persona, status",
    [
        ("leader", 200),
        ("staff", 200),
        ("treasurer_a", 403),
        ("treasurer_b", 403),
        ("collector", 403),
        ("anonymous", 302),
    ],
)
def test_staff_and_leaders_export_the_report_and_no_one_else(personas, persona, status):
    for name in ["report", "report_pdf", "report_xlsx"]:
        response = personas[persona].get(reverse(name), DEMO_PERIOD)
        assert response.status_code == status, name
        if status == 200 and name == "report":
            assert_no_english(response)


def test_a_period_ending_before_it_starts_is_refused_beside_the_field(personas):
    period = {"first_0": "3", "first_1": "2565", "last_0": "1", "last_1": "2565"}
    for name in ["report", "report_pdf", "report_xlsx"]:
        response = personas["staff"].get(reverse(name), period)
        assert response.status_code == 200 and response.context["form"].errors["last"], name
        assert_no_english(response)
    too_long = {"first_0": "1", "first_1": "2560", "last_0": "1", "last_1": "2565"}
    assert personas["staff"].get(reverse("report_pdf"), too_long).context["form"].errors["last"]


def test_the_command_writes_the_report_for_scheduled_runs(demo, tmp_path):
    out = io.StringIO()
    call_command("codi_report", "--from", "2564-12", "--to", "2565-02", "--output", str(tmp_path / "r.pdf"), stdout=out)
    assert "ธันวาคม 2564 – กุมภาพันธ์ 2565" in out.getvalue()
    assert "16กลุ่ม16ชุมชน" in squeezed(pdf_text(tmp_path / "r.pdf"))
    call_command(
        "codi_report", "--from", "2564-12", "--to", "2565-02", "--output", str(tmp_path / "r.xlsx"), stdout=out
    )
    assert load_workbook(tmp_path / "r.xlsx").worksheets[0].max_row > 10
    for bad in [
        ("--from", "2021-12", "--to", "2565-02"),
        ("--from", "2565-03", "--to", "2565-02"),
        ("--from", "12/2564", "--to", "2565-02"),
    ]:
        with pytest.raises(CommandError):
            call_command("codi_report", *bad, "--output", str(tmp_path / "x.pdf"), stdout=out)


@pytest.mark.parametrize("groups", [1, 8])
def test_the_report_takes_the_same_queries_whatever_the_network(personas, django_assert_max_num_queries, groups):
    for i in range(groups):
        make_group(f"กลุ่มที่ {i}", f"ชุมชนที่ {i}", members=3)
    with django_assert_max_num_queries(40):
        assert personas["staff"].get(reverse("report"), DEMO_PERIOD).status_code == 200


def test_the_text_copied_out_of_the_pdf_is_the_text_that_was_rendered(demo, tmp_path):
    """Every run of text of the report's body, as the page shows it, is found in the PDF's text
    layer: no ำ garbled, no tone mark lost or moved."""
    runs = preview_runs(demo, DEMO_PERIOD)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(demo.get(reverse("report_pdf"), DEMO_PERIOD).content)
    flat = squeezed(pdf_text(pdf))
    assert len(runs) > 50
    missing = [run for run in runs if run not in flat]
    assert not missing, missing[:5]
    assert any("\u0e33" in run for run in runs)  # the page has ำ, and so the check covers it


# A closed period's report is the same whenever it is produced.

FEB, MAR, APR, MAY = (datetime.date(2022, month, 1) for month in (2, 3, 4, 5))
CLOSED = {"first_0": "2", "first_1": "2565", "last_0": "4", "last_1": "2565"}  # February – April 2565


def report_of(client, period):
    """Everything the report of `period` says: the figures its page is drawn from, the text of its
    page, the text of its PDF and every cell of its workbook."""
    report = client.get(reverse("report"), period).context["report"]
    s, e, r = report.savings, report.enterprise, report.rent
    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), period).content))
    return {
        "savings": [
            (g.group.pk, g.opening, g.deposits, g.withdrawals, g.closing, g.members, g.saved_for_months, g.levy)
            for g in s.money.groups
        ],
        "months": [(m.month, m.deposits, m.balance) for m in report.month_ends],
        "levy": (s.levy, e.levy_owed, e.levy_posted),
        "enterprise": (e.cash, e.stock_value, e.capital_in, e.members_saved, report.donated),
        "donations": [(d.donation.pk, d.date, d.amount) for d in report.donations],
        "batches": [(x.recipe.pk, x.batches_net, x.made_net, x.cost) for x in report.batches],
        "rent": (
            r.arrears.total.arrears,
            r.collected,
            report.reconciliation.total.collected,
            report.reconciliation.total.remitted,
            report.reconciliation.total.in_hand_after,
        ),
        "page": preview_runs(client, period),
        "pdf": squeezed(pdf_text(client.get(reverse("report_pdf"), period).content)),
        "workbook": {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets},
    }


def test_a_closed_periods_report_is_the_same_whenever_it_is_produced(client, staff, leader, group_a, group_b):
    """The report of February – April 2565 produced in May and again after rows dated after April:
    deposits for March and April paid in May, a withdrawal, reversals of rows of the period (a
    deposit, a withdrawal), a levy posting, a donation and its reversal, the reversal of
    February's donation, a void of an April receipt and the reversal of an April batch. Every
    figure, on the page, in the PDF and in the workbook, is as it was: each is as of 30 April 2565."""
    from enterprise import services as enterprise_services
    from groups import services
    from songkhla_network.models import Role

    client.force_login(staff)
    a, b = ([*g.members.order_by("number")] for g in (group_a, group_b))
    hundred = Decimal("100.00")
    # The period: sheets for February – April paid in their month (the third member of group A
    # skips April's), a withdrawal, a corrected deposit, a member paying May ahead.
    for month in (FEB, MAR, APR):
        for group, members in ((group_a, a), (group_b, b)):
            payers = members[:2] if (group, month) == (group_a, APR) else members
            services.sheet_post(
                group=group,
                month=month,
                paid_on=month.replace(day=5),
                amounts={m.pk: hundred for m in payers},
                user=leader,
            )
    services.withdrawal_post(
        member=a[0], date=datetime.date(2022, 3, 20), amount=Decimal("50.00"), reason="ค่ายา", user=leader
    )
    march = group_b.entries.get(member=b[2], month=MAR)
    services.entry_reverse(entry=march, date=datetime.date(2022, 4, 2), reason="ลงยอดผิด", user=leader)
    services.deposit_post(member=b[0], month=MAY, date=datetime.date(2022, 4, 25), amount=hundred, user=leader)
    donation = donate(leader, "5000", datetime.date(2022, 2, 25))
    recipe = make_recipe(leader, datetime.date(2022, 2, 10))
    batch = enterprise_services.batch_make(
        recipe=recipe, date=datetime.date(2022, 4, 2), scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    enterprise_services.levy_post(first=FEB, last=MAR, date=datetime.date(2022, 4, 6), user=leader)
    rent_collector = make_user("rent_collector", Role.COLLECTOR)
    make_letter([(rent_collector, [group_a.community])])
    tenancy = make_tenancy(group_a.community)
    make_receipt(rent_collector, tenancy, "200", datetime.date(2022, 4, 10))
    receipt = make_receipt(rent_collector, tenancy, "300", datetime.date(2022, 4, 20))

    before = report_of(client, CLOSED)
    assert before["levy"][1] == Decimal("80.00") and before["enterprise"][0] > 0 and before["rent"][2] == 500

    # After the period.
    services.deposit_post(member=a[2], month=APR, date=datetime.date(2022, 5, 3), amount=hundred, user=leader)
    services.deposit_post(member=a[1], month=MAR, date=datetime.date(2022, 5, 3), amount=hundred, user=leader)
    services.withdrawal_post(member=b[1], date=datetime.date(2022, 5, 10), amount=hundred, reason="ค่าเทอม", user=leader)
    april = group_b.entries.get(member=b[0], month=APR)
    services.entry_reverse(entry=april, date=datetime.date(2022, 5, 12), reason="ลงยอดผิด", user=leader)
    services.entry_reverse(
        entry=a[0].entries.get(kind="withdrawal"), date=datetime.date(2022, 5, 12), reason="ลงซ้ำ", user=leader
    )
    services.sheet_post(
        group=group_a, month=MAY, paid_on=datetime.date(2022, 5, 5), amounts={m.pk: hundred for m in a}, user=leader
    )
    enterprise_services.levy_post(first=FEB, last=APR, date=datetime.date(2022, 5, 15), user=leader)
    later = donate(leader, "1000", datetime.date(2022, 5, 20))
    enterprise_services.donation_reverse(donation=later, date=datetime.date(2022, 5, 21), reason="บันทึกซ้ำ", user=leader)
    enterprise_services.donation_reverse(
        donation=donation, date=datetime.date(2022, 5, 22), reason="ผู้บริจาคขอคืน", user=leader
    )
    make_void(receipt, on=datetime.date(2022, 5, 10))
    enterprise_services.batch_reverse(batch=batch, date=datetime.date(2022, 5, 5), reason="ทำผิดสูตร", user=leader)

    after = report_of(client, CLOSED)
    changed = [part for part, said in before.items() if after[part] != said]
    changed += [f"workbook: {name}" for name, rows in before["workbook"].items() if after["workbook"][name] != rows]
    assert not changed, f"changed after the period closed: {', '.join(changed)}"


def test_welfare_paid_and_loans_by_group_say_the_same_on_the_dashboard_the_page_the_pdf_and_excel(
    client, staff, leader, group_a, group_b
):
    """The report of the dashboard's twelve months: the welfare paid in them (a payout the day
    before not counted, one reversed in them netted) is the dashboard's figure, and each group's
    loans and PAR30 at the period's end are what loan_portfolio says of that group alone, on the
    page, in the PDF's text and in the workbook."""
    today = timezone.localdate()
    this_month = month_start(today)
    first = add_months(this_month, -11)
    period = {"first_0": first.month, "first_1": be_year(first), "last_0": this_month.month, "last_1": be_year(today)}

    def day(months_ago):
        return add_months(this_month, -months_ago).replace(day=5)

    one, two = group_a.members.order_by("number")[:2]
    make_welfare(one, "500", first - datetime.timedelta(days=1), user=leader)
    make_welfare(one, "1000", first, user=leader)
    make_welfare(two, "300", today, user=leader)
    paid_twice = make_welfare(two, "200", today, user=leader)
    make_welfare(two, None, today, user=leader, reverses=paid_twice)
    make_loan(one, "400", paid_out_on=day(4), repaid_on=[day(3), day(2), day(1)], user=leader)
    make_loan(two, "600", paid_out_on=day(4), user=leader)  # never repaid: more than 30 days late
    make_loan(group_b.members.first(), "1000", paid_out_on=day(1), user=leader)

    client.force_login(staff)
    page = client.get(reverse("report"), period)
    assert_no_english(page)
    report = page.context["report"]
    dashboard = client.get(reverse("home")).context["dashboard"]
    assert report.last == month_end(today)
    assert report.funds.welfare_paid == dashboard.funds.welfare_paid == welfare_paid(first, today) == Decimal("1300")
    by_group = [(row.group, row.loans) for row in report.funds.by_group]
    groups = sorted([group_a, group_b], key=lambda group: group.name)
    assert by_group == [(group, loan_portfolio(report.last, [group])) for group in groups]
    assert [loans.par30 for _group, loans in by_group] == [
        Decimal("0.00") if group == group_b else Decimal("85.71") for group in groups
    ]

    # The page and the PDF say it in the same words; the workbook has the same figures.
    sentence = (
        "Welfare paid to members in the period (births, illness, funerals, the elderly): %(amount)s baht,"
        " counted by the date it was paid, less payouts reversed."
    )
    said = squeezed(thai(sentence) % {"amount": "1,300.00"})
    rows = [squeezed(f"{group.name}{format_baht(loans.outstanding)}{loans.par30:.2f}") for group, loans in by_group]
    pdf = squeezed(pdf_text(client.get(reverse("report_pdf"), period).content))
    for text in (squeezed("".join(preview_runs(client, period))), pdf):
        assert said in text
        assert all(row in text for row in rows)
    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), period).content))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary[thai("Welfare paid to members in the period, by payment date (baht)")] == 1300
    loans_sheet = list(workbook[thai("Loans by group")].iter_rows(values_only=True))
    assert loans_sheet[1:] == [(group.name, float(loans.outstanding), float(loans.par30)) for group, loans in by_group]
