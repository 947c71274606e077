"""The leaders' admin under fuzzing: every add and change form a leader may use, fed through the
fields the form itself declares. Whatever is typed, the answer is a page, and a record is added whole or not
at all."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import event, given, settings
from hypothesis import strategies as st

from enterprise.models import Supplier
from songkhla_network import forms as thai_forms
from songkhla_network.models import Role, User
from tests.fuzz.harness import APP_LABELS, examples, submit

from .strategies import choice, form_data, multi

pytestmark = pytest.mark.django_db


def _leader_may(permission):
    """The project's models whose admin lets a leader add (or change) records."""
    request = RequestFactory().get("/")
    request.user = User(role=Role.LEADER, is_active=True)
    return sorted(
        (
            model
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in APP_LABELS and getattr(model_admin, f"has_{permission}_permission")(request)
        ),
        key=lambda model: model._meta.label,
    )


def _good(field):
    """Good values for one of the admin form's fields, by its kind."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = list(field.queryset.values_list("pk", flat=True)[:5])
        return multi(pks) if pks else st.just([])
    if isinstance(field, forms.ModelChoiceField):
        pks = list(field.queryset.values_list("pk", flat=True)[:5])
        return choice(pks or [""])
    if isinstance(field, thai_forms.MoneyField):
        return st.sampled_from(["1", "2.5", "100", "๑๐๐", "1,000"])
    if isinstance(field, thai_forms.BEDateField):
        return "date"
    if isinstance(field, forms.BooleanField):
        return "bool"
    if isinstance(field, forms.IntegerField):
        return st.sampled_from(["1", "5", "๒", "10"])
    if isinstance(field, forms.ChoiceField):
        values = [value for value, _label in field.choices if value not in ("", None)]
        return choice(values or [""])
    return "text"


@pytest.mark.parametrize("model", _leader_may("add"), ids=lambda model: model._meta.label)
@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples(0.5))
def test_an_admin_add_form_adds_one_record_or_nothing(personas, group_a, group_b, rent, works, model, data, urlencoded):
    Supplier.objects.get_or_create(name="ร้านข้าว")  # for the products' supplier box
    client = personas["leader"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    typed = {
        name: field
        for name, field in form.fields.items()
        if not isinstance(field, (forms.FileField, forms.SplitDateTimeField))
    }
    fields = {name: _good(field) for name, field in typed.items()}
    multis = [name for name, field in form.fields.items() if isinstance(field, forms.ModelMultipleChoiceField)]
    posted = data.draw(form_data(fields, multis=multis))
    # The inlines' management forms, as the page renders them: no inline rows.
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        posted.update({management.add_prefix(name): value for name, value in management.initial.items()})

    def check(outcome):
        through = [f.remote_field.through for f in model._meta.many_to_many]
        outcome.assert_only(model, *through)
        assert outcome.added(model).count() == 1

    submit(client, url, posted, check=check, urlencoded=urlencoded)


class _FormControls(HTMLParser):
    """What a browser sends back for the admin's change form: every named control of the page's
    one form, as it stands (inputs, ticked boxes, chosen options, text areas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data = {}
        self._select = self._textarea = None
        self._options = []

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options and "__prefix__" not in self._select:
                chosen = [self._options[0][0]]  # a single select with none marked sends its first
            for value in chosen:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _as_shown(page):
    parser = _FormControls()
    parser.feed(page.content.decode())
    return {
        name: values if len(values) > 1 else values[0]
        for name, values in parser.data.items()
        if "__prefix__" not in name
    }


@pytest.mark.parametrize("model", _leader_may("change"), ids=lambda model: model._meta.label)
@given(data=st.data(), urlencoded=st.booleans(), new_row=st.booleans())
@settings(max_examples=examples(0.5))
def test_an_admin_change_form_changes_that_record_or_nothing(
    personas, group_a, group_b, enterprise, housing, rent, works, model, data, urlencoded, new_row
):
    """The change form posted back as the page shows it, some of its fields fuzzed, and sometimes
    one new row in one of its tables (an officer, a budget line...) fuzzed too."""
    client = personas["leader"]
    record = model._default_manager.order_by("pk").first()
    assert record is not None, f"the fuzzing network has no {model._meta.label} to change"
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    typed = {
        name: field
        for name, field in form.fields.items()
        if not field.disabled and not isinstance(field, (forms.FileField, forms.SplitDateTimeField))
    }
    multis = [name for name, field in typed.items() if isinstance(field, forms.ModelMultipleChoiceField)]
    fuzzed = data.draw(st.sets(st.sampled_from(sorted(typed)), max_size=len(typed))) if typed else set()
    posted = _as_shown(page)
    posted.update(data.draw(form_data({name: _good(typed[name]) for name in fuzzed}, multis=multis)))
    inlines = [inline for inline in page.context["inline_admin_formsets"] if inline.has_add_permission]
    rows = {}
    if new_row and inlines:
        formset = data.draw(st.sampled_from(inlines)).formset
        total = formset.management_form.add_prefix("TOTAL_FORMS")
        index = int(posted[total])
        row = formset.empty_form
        row_fields = {
            name: _good(field)
            for name, field in row.fields.items()
            if name not in ("id", "DELETE", formset.fk.name)
            and not isinstance(field, (forms.FileField, forms.SplitDateTimeField))
        }
        drawn = data.draw(form_data(row_fields))
        posted.update({f"{formset.prefix}-{index}-{name}": value for name, value in drawn.items()})
        posted[total] = str(index + 1)
        rows = {formset.model: 1}

    def check(outcome):
        written = [model, *(inline.formset.model for inline in inlines)]
        outcome.assert_only(*written, *(f.remote_field.through for m in written for f in m._meta.many_to_many))
        assert model._default_manager.filter(pk=record.pk).exists()
        assert model._meta.label not in outcome.changes, "a change form added or removed records"
        for inline_model, most in rows.items():
            assert outcome.changes.get(inline_model._meta.label, 0) <= most
            event(f"new row: {outcome.changes.get(inline_model._meta.label, 0)}")

    submit(client, url, posted, check=check, urlencoded=urlencoded)
