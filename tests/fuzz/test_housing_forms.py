"""Housing forms under fuzzing: the survey, status steps, the spreadsheet import (a file of any
bytes, or a template filled with anything), proposals, taking a household out of one, budget
lines, and the list's filter."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from housing import importing
from housing import services as housing_services
from housing.forms import CountField
from housing.models import BudgetLine, Household, Proposal, StatusStep, Step, Tenure
from songkhla_network.forms import MoneyField
from songkhla_network.models import ConsentMethod, Person, PersonalDataConsent
from tests.factories import row as good_row
from tests.fuzz.harness import Outcome, examples, query, rolled_back, send, snapshot, submit

from .strategies import CONTROL, choice, form_data, multi, nasty

pytestmark = pytest.mark.django_db

VALID_ID = "1103702296121"


def money(value):
    return MoneyField(allow_zero=True).clean(value)


def survey_fields(group_a):
    return {
        "title": choice(["", *Person.Title.values]),
        "first_name": "text",
        "last_name": "text",
        "phone": st.sampled_from(["", "0812345678", "๐๘๑-๒๓๔-๕๖๗๘"]),
        "national_id": st.sampled_from(["", VALID_ID, "1-1037-02296-12-1", "๑๑๐๓๗๐๒๒๙๖๑๒๑"]),
        "community": choice([group_a.community.pk]),
        "address": "text",
        "adults": st.sampled_from(["1", "2", "๓"]),
        "children": st.sampled_from(["0", "1", "๒"]),
        "elderly": st.sampled_from(["0", "1"]),
        "disabled": st.sampled_from(["0", "๑"]),
        "tenure": choice(Tenure.values),
        "monthly_income": st.sampled_from(["0", "9,000", "๙๐๐๐", "12000.50"]),
        "housing_cost": st.sampled_from(["0", "1500"]),
        "can_pay": st.sampled_from(["0", "1,200"]),
        "member": choice([""] + [m.pk for m in group_a.members.all()]),
        "reason": "text",
        "preferred_area": "text",
        "surveyed_on": "date",
        "consent_given": st.just("on"),
        "consent_on": "date",
        "consent_how": choice(ConsentMethod.values),
        "consent_witness": st.sampled_from(["", "นายพยาน ใจดี"]),
        "not_a_duplicate": "bool",
    }


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_survey_saves_one_household_with_its_first_step_or_nothing(personas, housing, group_a, data, urlencoded):
    posted = data.draw(form_data(survey_fields(group_a)))

    def check(outcome):
        outcome.assert_only(Household, StatusStep, Person, PersonalDataConsent)
        outcome.assert_changed({Household: 1, StatusStep: 1, Person: 1, PersonalDataConsent: 1})
        [household] = outcome.added(Household)
        assert [s.step for s in household.steps.all()] == [Step.SURVEYED]
        assert (household.monthly_income, household.housing_cost, household.can_pay) == tuple(
            money(posted[name]) for name in ("monthly_income", "housing_cost", "can_pay")
        )
        assert household.adults == CountField().clean(posted["adults"]) >= 1

    submit(personas["leader"], reverse("housing:new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_status_step_only_goes_forward(personas, housing, data, urlencoded):
    household = housing.surveyed
    posted = data.draw(form_data({"step": choice(Step.values), "date": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({StatusStep: 1})
        [step] = outcome.added(StatusStep)
        assert step.household_id == household.pk and step.step != Step.SURVEYED
        assert step.step != Step.WITHDRAWN or step.reason

    submit(personas["leader"], reverse("housing:step", args=[household.pk]), posted, check=check, urlencoded=urlencoded)


# The import: a file of anything, or the template with anything in its cells.

COMMUNITY_A = SimpleNamespace(name="ชุมชนเอ")  # group A's community, as a spreadsheet names it


@st.composite
def survey_rows(draw):
    header = importing.headers()
    if draw(st.integers(0, 5)) == 0:
        header = draw(st.lists(st.one_of(st.sampled_from(header), nasty), max_size=len(header) + 2))
    rows = [header]
    for number in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        keys = st.sampled_from([k for k, _label in importing.COLUMNS])
        spoiled = draw(st.one_of(st.just(set()), st.sets(keys, min_size=1, max_size=3)))
        row = good_row(COMMUNITY_A, **{"first_name": f"สมใจ{number}", **{key: draw(nasty) for key in spoiled}})
        if draw(st.integers(0, 6)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(nasty, max_size=2))
        rows.append(row)
    return rows


def _csv(rows, encoding):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        # openpyxl itself refuses control characters in cells: a real file cannot hold them.
        workbook.active.append(["".join(c for c in str(v) if c not in CONTROL or c in "\t\n\r") for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


NOT_A_WORKBOOK = b"PK\x03\x04" + b"\x00" * 100  # a zip, as an .xlsx is, holding nothing
OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100  # the signature of an .xls file
uploads = st.one_of(
    st.builds(
        lambda rows, enc: ("survey.csv", _csv(rows, enc)),
        survey_rows(),
        st.sampled_from(["utf-8", "utf-8-sig", "cp874", "utf-16"]),
    ),
    st.builds(lambda rows: ("survey.xlsx", _xlsx(rows)), survey_rows()),
    st.tuples(
        st.sampled_from(["survey.csv", "survey.xlsx", "survey.xls", "แบบสำรวจ.CSV", "survey", "x.pdf"]),
        st.binary(max_size=2000),
    ),
    st.tuples(st.just("survey.xlsx"), st.sampled_from([NOT_A_WORKBOOK, OLD_EXCEL])),
)


@given(upload=uploads)
@settings(max_examples=examples())
def test_an_import_writes_nothing_until_confirmed_and_then_every_row(personas, housing, upload):
    client = personas["leader"]
    name, content = upload
    with rolled_back():
        before = snapshot()
        response = send(
            client, "post", reverse("housing:import"), {}, files={"file": SimpleUploadedFile(name, content)}
        )
        Outcome(response, {"file": name}, before, snapshot()).assert_unchanged()
        token = response.context and response.context.get("token")
        event(f"upload: {response.status_code}, {'preview' if token else 'refused'}")
        if not token:
            return
        preview = len(response.context["preview"])
        before = snapshot()
        response = send(client, "post", reverse("housing:import_confirm"), {"token": token})
        outcome = Outcome(response, {"token": token}, before, snapshot())
        event(f"confirm: {response.status_code}, {'wrote' if outcome.changes else 'wrote nothing'}")
        if not outcome.redirected:
            outcome.assert_unchanged()
            return
        outcome.assert_only(Household, StatusStep, Person, PersonalDataConsent)
        assert outcome.changes["housing.Household"] == outcome.changes["housing.StatusStep"] == preview


@given(data=st.data(), token=st.one_of(st.just(""), nasty))
@settings(max_examples=examples(0.25))
def test_confirming_an_import_that_is_not_waiting_writes_nothing(personas, housing, data, token):
    submit(
        personas["leader"],
        reverse("housing:import_confirm"),
        {"token": token},
        check=lambda outcome: outcome.assert_unchanged(),
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_proposal_takes_in_the_households_ticked(personas, housing, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "title": "text",
                "date": "date",
                "target_site": "text",
                "background": "text",
                "households": multi([housing.verified.pk, housing.surveyed.pk]),
            },
            multis=["households"],
        )
    )

    def check(outcome):
        [proposal] = outcome.added(Proposal)
        taken = list(proposal.households.all())
        outcome.assert_changed({Proposal: 1, StatusStep: len(taken), Proposal.households.through: len(taken)})
        assert all(s.step == Step.PROPOSED for s in outcome.added(StatusStep))
        assert {h.pk for h in taken} <= {housing.verified.pk}

    submit(personas["leader"], reverse("housing:proposal_new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_adding_households_to_a_proposal_takes_only_verified_ones(personas, housing, data, urlencoded):
    proposal = housing.proposal
    posted = data.draw(
        form_data({"households": multi([housing.verified.pk, housing.surveyed.pk], min_size=1)}, multis=["households"])
    )

    def check(outcome):
        outcome.assert_changed({StatusStep: 1, Proposal.households.through: 1})
        assert list(proposal.households.values_list("pk", flat=True)) == [housing.verified.pk]

    url = reverse("housing:proposal_households", args=[proposal.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_taking_a_household_out_of_a_proposal_keeps_its_step_and_adds_one_saying_why(
    personas, housing, leader, data, urlencoded
):
    proposal, household = housing.proposal, housing.verified
    if not proposal.households.filter(pk=household.pk).exists():  # the first example puts it in, for them all
        housing_services.proposal_add(proposal=proposal, households=[household], date=proposal.date, user=leader)
    proposed = household.steps.get(step=Step.PROPOSED)
    posted = data.draw(form_data({"date": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({StatusStep: 1, Proposal.households.through: -1})
        [step] = outcome.added(StatusStep)
        assert (step.household_id, step.step, step.proposal_id, step.takes_back_id) == (
            household.pk,
            Step.VERIFIED,
            proposal.pk,
            proposed.pk,
        )
        assert step.reason and step.reason == step.reason.strip() and step.date >= proposed.date
        assert StatusStep.objects.get(pk=proposed.pk).step == Step.PROPOSED  # kept as it was

    url = reverse("housing:proposal_household_remove", args=[proposal.pk, household.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_budget_line_is_the_amount_typed(personas, housing, data, urlencoded):
    proposal = housing.proposal
    posted = data.draw(form_data({"item": "text", "amount": "money"}))

    def check(outcome):
        outcome.assert_changed({BudgetLine: 1})
        [line] = outcome.added(BudgetLine)
        assert (line.proposal_id, line.amount) == (proposal.pk, MoneyField().clean(posted["amount"]))

    submit(
        personas["leader"],
        reverse("housing:proposal_budget", args=[proposal.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
    )


@given(data=st.data(), page=st.sampled_from(["housing:list", "housing:xlsx"]))
@settings(max_examples=examples(0.5))
def test_the_household_list_takes_any_filter(personas, housing, group_a, data, page):
    posted = data.draw(
        form_data(
            {"community": choice(["", group_a.community.pk]), "status": choice(["", *Step.values]), "name": "text"}
        )
    )
    query(personas["leader"], reverse(page), posted)
