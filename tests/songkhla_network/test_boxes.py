"""songkhla_network.boxes writes a form's box as crispy-forms draws it: the same elements, the same
attributes, the same text (compared as HTML, as Django's assertHTMLEqual compares), for boxes
empty, filled in, wrong, required or not, with help text, and for the B.E. month boxes."""

import datetime

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test.html import parse_html
from django.utils import translation

from songkhla_network.boxes import box
from songkhla_network.forms import BEDateField, BEMonthField, MoneyField, MonthRangeForm


class Sample(forms.Form):
    paid_on = BEDateField(label="วันที่ <เก็บ> & จ่าย", allow_future=False)
    amount = MoneyField(required=False, label="จำนวนเงิน", help_text="บาท <b>ไม่ต้อง</b>ใส่ทศนิยม")
    note = forms.CharField(max_length=5, required=False, label="")
    month = BEMonthField(label="เดือน", help_text="เดือนที่ฝาก")
    choice = forms.ChoiceField(choices=[("a", "ก"), ("b", "ข")], label="เลือก")
    agreed = forms.BooleanField(required=False, label="ยอมรับ")


DATA = [
    None,
    {},
    {"paid_on": "6/12/2569", "amount": "1,500", "note": "สั้น", "month_0": "3", "month_1": "2568", "choice": "a"},
    {"paid_on": "xx", "amount": "-5", "note": "ยาวเกินห้าตัว", "month_0": "", "month_1": "25x", "choice": "z"},
    {"paid_on": "1/1/2999", "amount": "๑๒", "month_0": "13", "month_1": "<script>", "agreed": "on"},
]


def _form(data):
    return Sample(data, initial={"paid_on": datetime.date(2026, 12, 6)}) if data is not None else Sample()


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("name", list(Sample.base_fields))
def test_a_box_is_drawn_as_crispy_forms_draws_it(name, data):
    with translation.override("th"):
        expected, written = _form(data), _form(data)
        if data:
            expected.is_valid(), written.is_valid()
        assert parse_html(str(box(written[name]))) == parse_html(str(as_crispy_field(expected[name])))


@pytest.mark.parametrize("data", [None, {"first_0": "3", "first_1": "2568", "last_0": "", "last_1": "25x"}])
def test_the_period_months_are_drawn_as_crispy_forms_draws_them(data):
    with translation.override("th"):
        expected, written = MonthRangeForm(data, default="year"), MonthRangeForm(data, default="year")
        expected.is_valid(), written.is_valid()
        for name in ("first", "last"):
            html = str(box(written[name]))
            assert parse_html(html) == parse_html(str(as_crispy_field(expected[name])))
            assert "<fieldset" in html and 'class="form-select form-control' in html


def test_a_box_escapes_what_was_typed():
    form = _form({"paid_on": '"><script>alert(1)</script>', "month_1": "<b>"})
    form.is_valid()
    assert "<script>" not in str(box(form["paid_on"])) and "<b>" not in str(box(form["month"]))
    assert "&lt;script&gt;" in str(box(form["paid_on"]))
