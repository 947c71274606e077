"""The leaders' admin under fuzzing: every add form a leader may use, fed through the fields the
form itself declares. Whatever is typed, the answer is a page, and a record is added whole or not
at all."""

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from enterprise.models import Supplier
from songkhla_network import forms as thai_forms
from songkhla_network.models import Role, User

from .conftest import APP_LABELS, examples, submit
from .strategies import choice, form_data, multi

pytestmark = pytest.mark.django_db


def _addable():
    request = RequestFactory().get("/")
    request.user = User(role=Role.LEADER, is_active=True)
    return sorted(
        (
            model
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in APP_LABELS and model_admin.has_add_permission(request)
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


@pytest.mark.parametrize("model", _addable(), ids=lambda model: model._meta.label)
@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples(0.5))
def test_an_admin_add_form_adds_one_record_or_nothing(personas, group_a, group_b, rent, works, model, data, urlencoded):
    Supplier.objects.get_or_create(name="ร้านข้าว")  # for the products' supplier box
    client = personas["leader"]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    typed = {name: field for name, field in form.fields.items() if not isinstance(field, (forms.FileField, forms.SplitDateTimeField))}
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
