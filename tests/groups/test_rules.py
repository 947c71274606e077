"""The group's own rules (ระเบียบกลุ่ม): dated, never rewriting a month past, their shares of the
profit adding up to 100 in the form, the service and the database alike."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import selectors, services
from groups.models import GroupRules, LoanKind, LoanMethod, LoanPurpose, WelfarePurpose
from tests.factories import client_for
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
SHARES = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
EMERGENCY = {
    "times_savings": Decimal("2"),
    "ceiling": Decimal("10000"),
    "monthly_rate": Decimal("1"),
    "method": LoanMethod.FLAT,
    "longest_term": 10,
    "guarantors": 1,
}


def _change(group, user, month, *, shares=None, fine=Decimal("20"), loans=None, welfare=None, today=TODAY):
    return services.rules_change(
        group=group,
        from_month=month,
        terms={"year_ends_in": 12, "late_fine": fine, **(shares or SHARES), "note": ""},
        loan_kinds={LoanPurpose.EMERGENCY: EMERGENCY} if loans is None else loans,
        welfare_kinds={WelfarePurpose.FUNERAL: {"amount": Decimal("3000"), "months_of_membership": 6}}
        if welfare is None
        else welfare,
        user=user,
        today=today,
    )


def test_a_change_applies_from_its_month_and_never_to_a_month_before(group_a, leader):
    first = _change(group_a, leader, datetime.date(2026, 3, 1))
    later = _change(group_a, leader, datetime.date(2026, 6, 1), fine=Decimal("50"), today=TODAY)
    assert selectors.rules_on(group_a, datetime.date(2026, 2, 1)) is None
    assert selectors.rules_on(group_a, datetime.date(2026, 3, 1)) == first
    assert selectors.rules_on(group_a, datetime.date(2026, 5, 31)) == first
    assert selectors.rules_on(group_a, datetime.date(2026, 6, 1)) == later
    assert selectors.rules_on(group_a, datetime.date(2030, 1, 1)).late_fine == Decimal("50")
    assert [k.purpose for k in selectors.rules_on(group_a, datetime.date(2026, 4, 1)).loan_kinds.all()] == [
        LoanPurpose.EMERGENCY
    ]
    with pytest.raises(ValidationError) as refused:
        _change(group_a, leader, datetime.date(2026, 2, 1), fine=Decimal("0"))
    assert "from_month" in refused.value.message_dict
    # The months already over read what they read before the refused change.
    assert selectors.rules_on(group_a, datetime.date(2026, 3, 1)) == first


def test_a_second_change_in_the_same_month_replaces_the_first_and_the_same_rules_are_refused(group_a, leader):
    _change(group_a, leader, datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as refused:
        _change(group_a, leader, datetime.date(2026, 3, 1))
    assert refused.value.code == "unchanged"
    replaced = _change(group_a, leader, datetime.date(2026, 3, 1), loans={})
    assert list(group_a.rules.all()) == [replaced]
    assert replaced.loan_kinds.count() == 0 and LoanKind.objects.count() == 0


@pytest.mark.parametrize("dividend", [49, 51, Decimal("50.01")])
def test_shares_that_do_not_add_up_to_100_are_refused_by_the_service_and_the_database(group_a, leader, dividend):
    with pytest.raises(ValidationError, match="100"):
        _change(group_a, leader, datetime.date(2026, 3, 1), shares={**SHARES, "dividend": dividend})
    assert not GroupRules.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupRules.objects.create(
            group=group_a,
            from_month=datetime.date(2026, 3, 1),
            year_ends_in=12,
            late_fine=0,
            recorded_by=leader,
            **{**SHARES, "dividend": dividend},
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shares=st.lists(st.integers(min_value=0, max_value=2000), min_size=5, max_size=5),
    off_by=st.sampled_from([0, 0, 1, -1, 100]),
)
def test_the_database_takes_shares_exactly_when_they_add_up_to_100(group_a, leader, shares, off_by):
    """Five random shares in hundredths of a percent and a sixth that makes 100, or misses it by a
    hundredth or a whole percent: the database's check and the sum agree either way."""
    last = 10000 - sum(shares) + off_by
    values = dict(zip(SHARES, [Decimal(s) / 100 for s in [*shares, last]], strict=True))
    adds_up = off_by == 0 and last >= 0
    try:
        with transaction.atomic():
            GroupRules.objects.create(
                group=group_a,
                from_month=datetime.date(2026, 3, 1),
                year_ends_in=12,
                late_fine=0,
                recorded_by=leader,
                **values,
            )
            transaction.set_rollback(True)
        stored = True
    except IntegrityError:
        stored = False
    assert stored == adds_up


def _form_data(**changes):
    data = {
        "from_month_0": "4",
        "from_month_1": "2569",
        "year_ends_in": "12",
        "late_fine": "20",
        "dividend": "50",
        "interest_refund": "20",
        "welfare_fund": "10",
        "committee": "10",
        "reserve": "5",
        "community": "5%",
        "note": "ประชุมใหญ่ มี.ค. ๒๕๖๙",
        "emergency-monthly_rate": "๑",
        "emergency-method": "declining",
        "emergency-times_savings": "2",
        "emergency-ceiling": "10,000",
        "emergency-longest_term": "12",
        "emergency-guarantors": "2",
        "funeral-amount": "3,000",
        "funeral-months_of_membership": "6",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def test_a_treasurer_agrees_rules_on_the_page_and_everyone_who_reads_the_group_sees_them(
    group_a, treasurer_a, staff, frozen_today
):
    client = client_for(treasurer_a)
    page = client.get(reverse("groups:rules_change", args=[group_a.pk]))
    assert page.status_code == 200
    assert_no_english(page)
    response = client.post(reverse("groups:rules_change", args=[group_a.pk]), _form_data())
    assert response.status_code == 302, response.context and [f.errors for f in [response.context["form"]]]
    rules = selectors.rules_on(group_a, datetime.date(2026, 4, 1))
    assert (rules.from_month, rules.community, rules.late_fine) == (datetime.date(2026, 4, 1), 5, Decimal("20.00"))
    [loan] = rules.loan_kinds.all()
    assert (loan.purpose, loan.monthly_rate, loan.method, loan.ceiling, loan.guarantors) == (
        "emergency",
        Decimal("1.00"),
        "declining",
        Decimal("10000.00"),
        2,
    )
    assert [(w.purpose, w.amount) for w in rules.welfare_kinds.all()] == [("funeral", Decimal("3000.00"))]
    shown = client_for(staff).get(reverse("groups:rules", args=[group_a.pk]))
    assert_no_english(shown)
    text = shown.content.decode()
    assert "3,000.00" in text and "10,000.00" in text and "เมษายน 2569" in text
    # Filled in with what is in force (from next month, nothing yet this month: the form starts empty
    # of kinds); a change of one figure from a later month keeps the rest.
    response = client.post(
        reverse("groups:rules_change", args=[group_a.pk]), _form_data(**{"from_month_0": "6", "late_fine": "0"})
    )
    assert response.status_code == 302
    assert selectors.rules_on(group_a, datetime.date(2026, 5, 1)).late_fine == Decimal("20.00")
    assert selectors.rules_on(group_a, datetime.date(2026, 6, 1)).late_fine == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dividend": "60"}, None),  # 110 percent in all
        ({"dividend": "ห้าสิบ"}, "dividend"),
        ({"reserve": "-5", "dividend": "60"}, "reserve"),
        ({"from_month_0": "1"}, "from_month"),  # a month already over
        ({"emergency-ceiling": ""}, "emergency-ceiling"),  # half a kind
        ({"emergency-monthly_rate": "12"}, "emergency-monthly_rate"),  # more than 10 percent a month
        ({"emergency-longest_term": "9999999999999"}, "emergency-longest_term"),
        ({"emergency-times_savings": "0"}, "emergency-times_savings"),
        ({"emergency-method": "compound"}, "emergency-method"),
        ({"funeral-amount": "0"}, "funeral-amount"),
        ({"year_ends_in": "13"}, "year_ends_in"),
        ({"note": "x" * 400}, "note"),
    ],
)
def test_bad_input_is_told_in_thai_beside_its_box_and_writes_nothing(group_a, leader, frozen_today, changes, field):
    response = client_for(leader).post(reverse("groups:rules_change", args=[group_a.pk]), _form_data(**changes))
    assert response.status_code == 200
    assert not GroupRules.objects.exists()
    assert_no_english(response)
    forms = [response.context["form"], *response.context["loan_forms"], *response.context["welfare_forms"]]
    errors = {(f"{f.prefix}-{name}" if f.prefix else name): e for f in forms for name, e in f.errors.items()}
    if field is None:
        assert "100" in str(response.context["form"].non_field_errors())
    else:
        assert field in errors, errors


def test_staff_read_the_rules_but_cannot_change_them(group_a, staff, frozen_today):
    client = client_for(staff)
    assert client.get(reverse("groups:rules", args=[group_a.pk])).status_code == 200
    assert client.post(reverse("groups:rules_change", args=[group_a.pk]), _form_data()).status_code == 403
    assert not GroupRules.objects.exists()
