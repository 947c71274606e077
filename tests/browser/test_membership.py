"""Membership at the meeting, on a phone (390 px): a treasurer adds a member, changes a commitment
from next month and records a member leaving with their savings paid out; a leader moves a member
to another group. Then the passbooks, the sheet, both group pages and the network summary agree.

Selectors use ids, hrefs and data attributes, never wording. Set SHOTS_DIR=/some/dir to save
screenshots of each page at phone (phone-*.png) and desktop (desktop-*.png) width."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import services
from groups.models import Commitment, EntryKind, LedgerEntry, Member
from songkhla_network.models import Role
from songkhla_network.thai import add_months, be_month_slug, month_start
from tests.factories import make_group, make_user
from tests.helpers import IS_INVALID, money, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGES = ".messages .alert"
TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
NEXT_MONTH = add_months(THIS_MONTH, 1)


@pytest.fixture
def network(db):
    """Two groups founded two months ago, three members each saving 100 a month. Group A's sheets
    of both months are posted: everyone paid 100, but member 3 only 50 last month."""
    founded = add_months(THIS_MONTH, -2).replace(day=5)
    group_a = make_group("กลุ่มเอ", "ชุมชนเอ", founded_on=founded)
    group_b = make_group("กลุ่มบี", "ชุมชนบี", founded_on=founded)
    treasurer = make_user("treasurer_a", Role.TREASURER, first_name="สมศรี", last_name="เหรัญญิก")
    group_a.treasurers.add(treasurer)
    make_user("leader", Role.LEADER)
    members = list(group_a.members.order_by("number"))
    for k, amounts in ((0, [100, 100, 100]), (1, [100, 100, 50])):
        month = add_months(founded.replace(day=1), k)
        services.sheet_post(
            group=group_a,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal(a) for m, a in zip(members, amounts, strict=True)},
            user=treasurer,
        )
    return group_a, group_b


def passbook_url(member):
    return reverse("groups:passbook", args=[member.group_id, member.pk])


def test_membership_at_the_meeting_on_a_phone(page, new_context, live_server, network, shoot):
    group_a, group_b = network
    one, two, three = group_a.members.order_by("number")

    # -- The treasurer, at the meeting: a new member joins. --
    sign_in(page, live_server, "treasurer_a")
    expect(page).to_have_url(live_server.url + reverse("groups:detail", args=[group_a.pk]))
    shoot(page, "membership-group")
    page.locator("#add-member").click()
    expect(page.locator("#member-form")).to_be_visible()
    expect(page.locator("#id_number")).to_have_value("4")  # the next number, proposed
    expect(page.locator("#id_commitment")).to_have_value("100.00")  # the group's usual commitment
    page.locator("#id_title").select_option("นาง")
    page.locator("#id_first_name").fill("มาลี")
    page.locator("#id_last_name").fill("ใจงาม")
    page.locator("#id_phone").fill("0812345678")
    page.locator("#id_first_name").fill("")  # a slip: the name is left empty
    shoot(page, "membership-add")
    with page.expect_navigation():
        page.locator("#member-form button[type=submit]").click()
    expect(page.locator("#id_first_name")).to_have_class(IS_INVALID)
    expect(page.locator("#div_id_first_name .invalid-feedback")).to_be_visible()
    assert not group_a.members.filter(number=4).exists()
    shoot(page, "membership-add-error")
    page.locator("#id_first_name").fill("มาลี")
    with page.expect_navigation():
        page.locator("#member-form button[type=submit]").click()
    newcomer = group_a.members.get(number=4)
    expect(page).to_have_url(live_server.url + passbook_url(newcomer))
    expect(page.locator(f"{MESSAGES}.alert-success")).to_be_visible()

    # -- Member 1 saves 200 a month from next month. --
    page.goto(live_server.url + passbook_url(one))
    page.locator("#change-commitment").click()
    expect(page.locator("#commitment-form")).to_be_visible()
    expect(page.locator("#id_from_month_0")).to_have_value(str(NEXT_MONTH.month))
    page.locator("#id_amount").fill("200")
    shoot(page, "membership-commitment")
    with page.expect_navigation():
        page.locator("#commitment-form button[type=submit]").click()
    expect(page).to_have_url(live_server.url + passbook_url(one))
    expect(page.locator("ul.commitments li")).to_have_count(2)
    shoot(page, "membership-passbook-commitments")

    # -- Member 2 leaves, their 200 paid out in the same step. --
    page.goto(live_server.url + reverse("groups:detail", args=[group_a.pk]))
    page.locator(f'table.members a[href="{passbook_url(two)}"]').click()
    page.locator("#record-leaving").click()
    expect(page.locator("#payout")).to_contain_text("200.00")
    shoot(page, "membership-leave")
    with page.expect_navigation():
        page.locator("#leave-form button[type=submit]").dblclick()  # a double tap
    expect(page).to_have_url(live_server.url + passbook_url(two))
    expect(page.locator("#passbook-balance")).to_have_text("0.00")
    assert two.entries.filter(kind=EntryKind.WITHDRAWAL).get().amount == Decimal("-200.00")
    shoot(page, "membership-passbook-left")

    # -- A leader moves member 3 to group B with their 150. --
    leader_page = new_context().new_page()
    sign_in(leader_page, live_server, "leader")
    leader_page.goto(live_server.url + passbook_url(three))
    leader_page.locator("#move-member").click()
    leader_page.locator("#id_to_group").select_option(str(group_b.pk))
    shoot(leader_page, "membership-move")
    with leader_page.expect_navigation():
        leader_page.locator("#move-form button[type=submit]").click()
    moved = Member.objects.get(group=group_b, person=three.person)
    expect(leader_page).to_have_url(live_server.url + passbook_url(moved))
    expect(leader_page.locator("#passbook-balance")).to_have_text("150.00")
    shoot(leader_page, "membership-moved")

    # -- What was written. --
    assert list(one.commitments.values_list("from_month", "amount")) == [
        (add_months(THIS_MONTH, -2), Decimal("100.00")),
        (NEXT_MONTH, Decimal("200.00")),
    ]
    out = three.entries.get(kind=EntryKind.WITHDRAWAL)
    assert out.transferred_to.member == moved and out.amount == Decimal("-150.00")
    assert Commitment.objects.get(member=newcomer).from_month == THIS_MONTH
    assert LedgerEntry.objects.filter(kind=EntryKind.WITHDRAWAL).count() == 2

    # -- Every page agrees. --
    expected = {
        group_a: {one: ("200.00", "0.00"), newcomer: ("0.00", "0.00")},
        group_b: {**{m: ("0.00", "200.00") for m in group_b.members.exclude(pk=moved.pk)}, moved: ("150.00", "0.00")},
    }
    totals = {}
    for group, members in expected.items():
        leader_page.goto(live_server.url + reverse("groups:detail", args=[group.pk]))
        rows = leader_page.locator("table.members tbody tr[data-member]")
        expect(rows).to_have_count(len(members))
        for member, (balance, arrears) in members.items():
            cells = leader_page.locator(f'table.members tr[data-member="{member.pk}"] td.money')
            expect(cells.nth(0)).to_have_text(balance)
            expect(cells.nth(1)).to_have_text(arrears)
        totals[group] = money(leader_page.locator("#group-balance"))
        assert totals[group] == sum(Decimal(b) for b, _a in members.values())
        assert money(leader_page.locator("#group-arrears")) == sum(Decimal(a) for _b, a in members.values())
        shoot(leader_page, f"membership-group-{'a' if group == group_a else 'b'}-after")
        for member, (balance, arrears) in members.items():
            leader_page.goto(live_server.url + passbook_url(member))
            expect(leader_page.locator("#passbook-balance")).to_have_text(balance)
            expect(leader_page.locator("#passbook-arrears")).to_have_text(arrears)

    # The sheet of this month lists the members there are now, each prefilled with this month's
    # commitment (member 1's 200 starts next month); last month's posted sheet is as it was.
    leader_page.goto(live_server.url + reverse("groups:sheet", args=[group_a.pk, be_month_slug(THIS_MONTH)]))
    boxes = leader_page.locator("#sheet-form [data-sheet-amount]")
    expect(boxes).to_have_count(2)
    expect(leader_page.locator(f"#id_amount_{one.pk}")).to_have_value("100.00")
    expect(leader_page.locator(f"#id_amount_{newcomer.pk}")).to_have_value("100.00")
    shoot(leader_page, "membership-sheet")
    last_month = add_months(THIS_MONTH, -1)
    leader_page.goto(live_server.url + reverse("groups:sheet", args=[group_a.pk, be_month_slug(last_month)]))
    for member, paid, arrears in ((one, "100.00", "0.00"), (two, "100.00", "0.00"), (three, "50.00", "50.00")):
        row = leader_page.locator("tbody tr").filter(has=leader_page.locator(f'a[href="{passbook_url(member)}"]'))
        expect(row.locator("td.money").nth(0)).to_have_text(paid)
        expect(row.locator("td.money").nth(1)).to_have_text(arrears)

    # The network summary of this month: each group's balance at the end is its group page's, and
    # brought forward + in - out = the balance at the end.
    period = {"first_0": THIS_MONTH.month, "first_1": THIS_MONTH.year + 543}
    period |= {"last_0": THIS_MONTH.month, "last_1": THIS_MONTH.year + 543}
    query = "&".join(f"{k}={v}" for k, v in period.items())
    leader_page.goto(live_server.url + reverse("groups:summary") + "?" + query)
    for group, total in totals.items():
        cells = leader_page.locator(f'#savings-by-date tr[data-group="{group.pk}"] td.money')
        opening, deposits, withdrawals, closing = (money(cells.nth(i)) for i in range(1, 5))
        assert closing == total and opening + deposits - withdrawals == closing
    foot = leader_page.locator("#savings-by-date tfoot td.money")
    assert money(foot.nth(4)) == sum(totals.values())
    expect(leader_page.locator("#reconciliation .text-success")).to_be_visible()
    shoot(leader_page, "membership-summary")
