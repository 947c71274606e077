"""A form's box (its label, its input, its errors and help) written as crispy-forms' Bootstrap 5
field template writes it, for the Jinja2 pages: the sheet's date and the summaries' months.

crispy-forms draws a box through a dozen nested Django templates and the widget's own: 0.8 ms for
a date box and 2 ms for a month (twelve options) on the development machine, a tenth of the
network summary's CPU (issue 16). The markup is the same (tests/songkhla_network/test_boxes.py
compares the two on valid, wrong and helped boxes); a box of another kind (a checkbox, a list of
radio buttons, a file) is still drawn by crispy-forms."""

from collections.abc import Sequence
from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .forms import BEMonthWidget


def box(field: BoundField) -> SafeString:
    """The box of `field` as crispy-forms' `as_crispy_field` draws it."""
    widget = field.field.widget
    if isinstance(widget, BEMonthWidget):
        inputs = format_html('<div class="input-group be-month">{}</div>', _inputs(field, widget.widgets))
    elif isinstance(widget, forms.TextInput):
        inputs = _inputs(field, [widget])
    else:
        return as_crispy_field(field)
    fieldset = widget.use_fieldset
    errors = field.errors
    required = field.field.required
    parts = [format_html('<div id="div_{}" class="mb-3">', field.auto_id)]
    if field.label:
        if fieldset:
            parts.append(
                format_html('<fieldset aria-describedby="{}">', field.aria_describedby)
                if field.aria_describedby
                else mark_safe("<fieldset>")
            )
        tag = "legend" if fieldset else "label"
        target = format_html(' for="{}"', field.id_for_label) if field.id_for_label else ""
        classes = "form-label" + (" requiredField" if required else "") + (" fs-6" if fieldset else "")
        asterisk = mark_safe('<span class="asteriskField">*</span>') if required else ""
        parts.append(format_html('<{}{} class="{}">{}{}</{}>', tag, target, classes, field.label, asterisk, tag))
    parts.append(inputs)
    if errors:
        parts.append(format_html('<div id="{}_error" class="invalid-feedback">', field.auto_id))
        for number, error in enumerate(errors, 1):
            parts.append(format_html('<p id="error_{}_{}"><strong>{}</strong></p>', number, field.auto_id, error))
        parts.append(mark_safe("</div>"))
    if field.help_text:
        helped = format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else ""
        parts.append(format_html('<div{} class="form-text">{}</div>', helped, mark_safe(field.help_text)))
    if fieldset and field.label:
        parts.append(mark_safe("</fieldset>"))
    parts.append(mark_safe("</div>"))
    return mark_safe("".join(conditional_escape(part) for part in parts))


def _inputs(field: BoundField, widgets: Sequence[forms.Widget]) -> SafeString:
    """The field's inputs as Django writes them, with crispy-forms' classes added to each widget
    (its kind, `form-control`, `is-invalid` when wrong) as its `crispy_field` tag adds them."""
    added = ["form-control"] + (["is-invalid"] if field.errors else [])
    for widget in widgets:
        kind = widget.__class__.__name__.lower()
        classes = widget.attrs.get("class", "")
        classes = (classes if kind in classes else f"{classes} {kind}") if classes else kind
        names = classes.split()
        widget.attrs["class"] = " ".join(names + [name for name in added if name not in names])
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    return mark_safe("".join(_input(each) for each in context.get("subwidgets") or [context]))


def _input(widget: dict[str, Any]) -> SafeString:
    """One input or list as Django's widget templates write it (django/forms/widgets/)."""
    if "optgroups" not in widget:
        value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, _attrs(widget))
    options = []
    for group, choices, _index in widget["optgroups"]:
        if group:
            options.append(format_html('<optgroup label="{}">', group))
        for option in choices:
            options.append(
                format_html('<option value="{}"{}>{}</option>', option["value"], _attrs(option), option["label"])
            )
        if group:
            options.append(mark_safe("</optgroup>"))
    return format_html('<select name="{}"{}>{}</select>', widget["name"], _attrs(widget), mark_safe("".join(options)))


def _attrs(widget: dict[str, Any]) -> SafeString:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` alone for True, nothing for False."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in widget["attrs"].items()
            if value is not False
        )
    )
