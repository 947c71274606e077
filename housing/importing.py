"""Importing the existing survey from a spreadsheet (xlsx or csv): read the file, check every row
with the survey form's own fields, and import all of it or none of it.

The file is read into rows of text keyed by column, so that the same checks run on the preview
and again when the leader confirms (the records may have changed in between)."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from groups.selectors import current_members
from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.models import Community, ConsentMethod, Person

from . import services
from .forms import SurveyForm
from .models import Household, Tenure

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 3000

# The template's columns, in order: the survey form's field and the header a person reads.
COLUMNS = [
    ("title", gettext_lazy("title")),
    ("first_name", gettext_lazy("first name")),
    ("last_name", gettext_lazy("last name")),
    ("phone", gettext_lazy("phone")),
    ("national_id", gettext_lazy("national ID number")),
    ("community", gettext_lazy("community today")),
    ("address", gettext_lazy("address today")),
    ("adults", gettext_lazy("adults")),
    ("children", gettext_lazy("children")),
    ("elderly", gettext_lazy("elderly people")),
    ("disabled", gettext_lazy("people with disabilities")),
    ("tenure", gettext_lazy("current tenure")),
    ("monthly_income", gettext_lazy("monthly income (baht)")),
    ("housing_cost", gettext_lazy("monthly housing cost (baht)")),
    ("can_pay", gettext_lazy("can pay each month for a new home (baht)")),
    ("reason", gettext_lazy("reason for moving")),
    ("preferred_area", gettext_lazy("preferred area")),
    ("surveyed_on", gettext_lazy("survey date")),
    # The head of household's consent (PDPA), added at the end so that older files only lack them.
    ("consent_given", gettext_lazy("consent given")),
    ("consent_on", gettext_lazy("consent date")),
    ("consent_how", gettext_lazy("how consent was given")),
    ("consent_witness", gettext_lazy("witness")),
]
TEXT_COLUMNS = {"phone", "national_id", "surveyed_on", "consent_on"}  # kept as text in the template: no lost leading 0


class ImportError_(Exception):
    """The file as a whole cannot be read: `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def headers():
    return [str(label) for _key, label in COLUMNS]


# Reading the file.


def read_rows(upload):
    """The file's rows as lists of cell values, the header first. xlsx is told by its content (a zip
    with a workbook in it), not by its name; anything else must be CSV text."""
    if upload.size > MAX_BYTES:
        raise ImportError_(
            _(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB. "
                "A survey of a few hundred households is far smaller: check that this is the right file."
            )
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    data = upload.read()
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportError_(
            _("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx, then upload it again.")
        )
    return _csv_rows(data)


def _xlsx_rows(data):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportError_(
            _("This file is not a spreadsheet the app can read. Upload the template saved as .xlsx or .csv.")
        ) from None
    sheet = workbook.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            raise ImportError_(
                _("The file has more than %(count)s rows. Split it into smaller files.") % {"count": MAX_ROWS}
            )
    workbook.close()
    return rows


def _csv_rows(data):
    if b"\x00" in data[:4096]:
        raise ImportError_(
            _("This file is not a spreadsheet the app can read. Upload the template saved as .xlsx or .csv.")
        )
    for encoding in ("utf-8-sig", "cp874"):  # Excel on Thai Windows saves CSV as cp874
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportError_(
            _("This file is not a spreadsheet the app can read. Upload the template saved as .xlsx or .csv.")
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        raise ImportError_(
            _("This file is not a spreadsheet the app can read. Upload the template saved as .xlsx or .csv.")
        ) from None
    if len(rows) > MAX_ROWS + 1:
        raise ImportError_(
            _("The file has more than %(count)s rows. Split it into smaller files.") % {"count": MAX_ROWS}
        )
    return rows


def cell_text(value):
    """A cell as the text a person would have typed in the form. Excel hands over numbers and
    dates: 9000.0 is '9000', a date typed as 15/12/2564 in Thai Excel comes as the year 2564, which
    is already B.E."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        year = value.year if value.year > 2400 else value.year + 543
        return f"{value.day}/{value.month}/{year}"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, (int, Decimal)):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    return str(value).strip()


# Checking the rows.


class ImportRowForm(SurveyForm):
    """One row of the spreadsheet: the survey form's fields, with the community, tenure and title
    written as words rather than chosen from a list."""

    community = forms.CharField(label=gettext_lazy("community today"))
    tenure = forms.CharField(label=gettext_lazy("current tenure"))
    title = forms.CharField(label=gettext_lazy("title"), required=False)
    consent_given = forms.CharField(label=gettext_lazy("consent given"), required=False)
    consent_how = forms.CharField(label=gettext_lazy("how consent was given"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["member"], self.fields["not_a_duplicate"]
        self.communities = communities

    def clean_community(self):
        name = self.cleaned_data["community"].strip()
        if name not in self.communities:
            raise forms.ValidationError(
                _("No community has this name. Write it as it is in the list of communities."), code="invalid_choice"
            )
        return self.communities[name]

    def clean_tenure(self):
        by_label = {str(label): value for value, label in Tenure.choices}
        value = self.cleaned_data["tenure"].strip()
        if value not in by_label:
            raise forms.ValidationError(
                _("Write one of: %(choices)s.") % {"choices": ", ".join(by_label)}, code="invalid_choice"
            )
        return by_label[value]

    def clean_consent_given(self):
        value = self.cleaned_data["consent_given"].strip().lower()
        if value in (str(_("yes")).lower(), "yes", "1"):
            return True
        raise forms.ValidationError(
            _(
                "Without the head of household's consent the household cannot be imported. "
                "Write “%(yes)s” once they have consented, or take the row out."
            )
            % {"yes": _("yes")},
            code="required",
        )

    def clean_consent_how(self):
        by_label = {str(label): value for value, label in ConsentMethod.choices}
        value = self.cleaned_data["consent_how"].strip()
        if value not in by_label:
            raise forms.ValidationError(
                _("Write one of: %(choices)s.") % {"choices": ", ".join(by_label)}, code="invalid_choice"
            )
        return by_label[value]

    def clean_title(self):
        value = self.cleaned_data["title"].strip()
        titles = dict(Person.Title.choices)
        if value and value not in titles:
            raise forms.ValidationError(
                _("Write one of: %(choices)s.") % {"choices": ", ".join(titles)}, code="invalid_choice"
            )
        return value

    def clean(self):
        # Duplicates are looked for across the whole file, in `check_rows`.
        cleaned = forms.Form.clean(self)
        if cleaned.get("consent_how") == ConsentMethod.VERBAL and not cleaned.get("consent_witness", "").strip():
            self.add_error("consent_witness", _("Consent given by word of mouth needs the name of a witness."))
        return cleaned

    @property
    def tenure_label(self):
        return Tenure(self.cleaned_data["tenure"]).label

    def household(self):
        return {name: self.cleaned_data[name] for name in self.HOUSEHOLD_FIELDS if name != "member"}


class RowError:
    def __init__(self, row, column, value, message):
        self.row, self.column, self.value, self.message = row, column, value, message


def _label(key):
    return str(dict(COLUMNS)[key])


def check_rows(rows):
    """Check the rows read from a file (header first), in a fixed number of queries whatever the
    rows. Returns (forms, errors): a valid ImportRowForm per household, and a list of RowError,
    one per row and column at fault. Raises ImportError_ when the file as a whole is wrong.
    Nothing is written."""
    if not rows or not any(cell_text(v) for v in rows[0]):
        raise ImportError_(_("The file is empty. Fill in the template, one household per row under its header."))
    found = [cell_text(v) for v in rows[0]]
    while found and not found[-1]:
        found.pop()
    if found != headers():
        missing = [h for h in headers() if h not in found]
        unknown = [h for h in found if h not in headers()]
        parts = []
        if missing:
            parts.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("columns the template does not have: %(columns)s") % {"columns": ", ".join(unknown)})
        if not parts:
            parts.append(_("the columns are in another order"))
        raise ImportError_(
            _(
                "The first row is not the template's header (%(problems)s). "
                "Download the template and copy your data into it."
            )
            % {"problems": "; ".join(parts)}
        )
    width = len(COLUMNS)
    body = [[cell_text(v) for v in row] for row in rows[1:]]
    while body and not any(body[-1]):
        body.pop()
    if not body:
        raise ImportError_(_("The file has the header but no households under it."))

    communities = {c.name: c for c in Community.objects.all()}
    errors, valid = [], []
    for number, cells in enumerate(body, start=2):
        if not any(cells):
            errors.append(RowError(number, "", "", _("This row is empty. Delete the row, or fill it in.")))
            continue
        if any(cells[width:]):
            errors.append(RowError(number, "", "", _("There is something to the right of the last column. Delete it.")))
        cells = cells[:width] + [""] * (width - len(cells[:width]))
        form = ImportRowForm({key: cells[i] for i, (key, _l) in enumerate(COLUMNS)}, communities=communities)
        form.row = number
        if form.is_valid():
            valid.append(form)
        else:
            for field, messages in form.errors.items():
                for message in messages:
                    errors.append(
                        RowError(
                            number, _label(field) if field in dict(COLUMNS) else "", form.data.get(field, ""), message
                        )
                    )
    errors.extend(_duplicates(valid))
    errors.sort(key=lambda e: e.row)
    return valid, errors


def _duplicates(forms_):
    """Rows that repeat another row, or a household already surveyed: same national ID, or same
    name in the same community (two queries)."""
    ids = {f.cleaned_data["national_id"] for f in forms_ if f.cleaned_data["national_id"]}
    names = {(f.cleaned_data["first_name"], f.cleaned_data["last_name"]) for f in forms_}
    surveyed = (
        list(Household.objects.filter(head__national_id__in=ids).select_related("head", "community")) if ids else []
    )
    by_id = {h.head.national_id: h for h in surveyed}
    by_name = {
        (h.head.first_name, h.head.last_name, h.community_id): h
        for h in Household.objects.filter(
            head__first_name__in={n[0] for n in names}, head__last_name__in={n[1] for n in names}
        ).select_related("head", "community")
    }
    errors, seen_ids, seen_names = [], {}, {}
    for form in forms_:
        data = form.cleaned_data
        national_id, name = data["national_id"], (data["first_name"], data["last_name"], data["community"].pk)
        if national_id and national_id in seen_ids:
            message = _("The same national ID number is in row %(row)s.") % {"row": seen_ids[national_id]}
            errors.append(RowError(form.row, _label("national_id"), form.data["national_id"], message))
        elif national_id in by_id:
            message = _("Already in the survey: %(household)s.") % {"household": by_id[national_id]}
            errors.append(RowError(form.row, _label("national_id"), form.data["national_id"], message))
        elif name in seen_names:
            message = _("The same name in the same community is in row %(row)s.") % {"row": seen_names[name]}
            errors.append(RowError(form.row, _label("first_name"), form.data["first_name"], message))
        elif name in by_name:
            message = _("Already in the survey: %(household)s.") % {"household": by_name[name]}
            errors.append(RowError(form.row, _label("first_name"), form.data["first_name"], message))
        if national_id:
            seen_ids.setdefault(national_id, form.row)
        seen_names.setdefault(name, form.row)
    return errors


@transaction.atomic
def import_rows(rows, *, user):
    """Import every household in `rows` (as read from the file), or none, in a fixed number of
    queries. The rows are checked again inside the transaction with every community locked, so
    two leaders confirming the same file at once import it once. The households are recorded by
    the survey form's own service, all rows in one call: their heads (a saver already in the
    records by national ID is reused), consent, first step and history are made as the form makes
    them. The file has no column for the savings group: a head who saves is linked to their
    membership here. Returns (households, errors)."""
    list(Community.objects.select_for_update())
    forms_, errors = check_rows(rows)
    if errors:
        return [], errors
    ids = [f.cleaned_data["national_id"] for f in forms_ if f.cleaned_data["national_id"]]
    savers = {m.person.national_id: m for m in current_members().filter(person__national_id__in=ids)} if ids else {}
    surveys = [
        services.Survey(
            person=form.person(),
            household={**form.household(), "member": savers.get(form.cleaned_data["national_id"])},
            surveyed_on=form.cleaned_data["surveyed_on"],
            consent=form.consent(),
        )
        for form in forms_
    ]
    return services.households_survey(surveys=surveys, user=user), []


# The template.


def template_workbook():
    """The template: the header, text columns kept as text, lists to choose the community, tenure
    and title from, and a sheet that explains each column."""
    workbook = new_workbook()
    sheet = add_sheet(workbook, _("Survey"), headers(), [])
    keys = [key for key, _label in COLUMNS]
    for key in TEXT_COLUMNS:
        letter = sheet.cell(row=1, column=keys.index(key) + 1).column_letter
        for row in range(2, 502):
            sheet[f"{letter}{row}"].number_format = "@"
    lists = workbook.create_sheet(_("Lists"))
    choices = {
        "community": list(Community.objects.values_list("name", flat=True)),
        "tenure": [str(label) for _value, label in Tenure.choices],
        "title": [value for value, _label in Person.Title.choices],
        "consent_given": [str(_("yes"))],
        "consent_how": [str(label) for _value, label in ConsentMethod.choices],
    }
    for column, (key, values) in enumerate(choices.items(), start=1):
        lists.cell(row=1, column=column, value=str(dict(COLUMNS)[key])).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=column, value=value)
        letter = lists.cell(row=1, column=column).column_letter
        if values:
            validation = DataValidation(
                type="list", formula1=f"='{lists.title}'!${letter}$2:${letter}${len(values) + 1}", allow_blank=True
            )
            sheet.add_data_validation(validation)
            target = sheet.cell(row=1, column=keys.index(key) + 1).column_letter
            validation.add(f"{target}2:{target}501")
        lists.column_dimensions[letter].width = 30
    add_sheet(
        workbook,
        _("How to fill it in"),
        [_("column"), _("what to write")],
        [(str(label), str(COLUMN_HELP[key])) for key, label in COLUMNS],
    )
    return workbook


COLUMN_HELP = {
    "title": gettext_lazy("นาย, นาง or นางสาว; may be left empty."),
    "first_name": gettext_lazy("Required."),
    "last_name": gettext_lazy("Required."),
    "phone": gettext_lazy("May be left empty."),
    "national_id": gettext_lazy("13 digits, dashes allowed; may be left empty. Checked by its check digit."),
    "community": gettext_lazy("Required: the community's name exactly as in the Lists sheet."),
    "address": gettext_lazy("May be left empty."),
    "adults": gettext_lazy("A whole number, at least 1."),
    "children": gettext_lazy("A whole number, 0 if none."),
    "elderly": gettext_lazy("A whole number, 0 if none."),
    "disabled": gettext_lazy("A whole number, 0 if none."),
    "tenure": gettext_lazy("Required: one of the words in the Lists sheet."),
    "monthly_income": gettext_lazy("Baht, e.g. 9000 or 9,000.50; 0 if none."),
    "housing_cost": gettext_lazy("Baht, e.g. 1500; 0 if none."),
    "can_pay": gettext_lazy("Baht, e.g. 1200; 0 if none."),
    "reason": gettext_lazy("May be left empty."),
    "preferred_area": gettext_lazy("May be left empty."),
    "surveyed_on": gettext_lazy("Day/month/year in the Buddhist Era, e.g. 15/12/2564; not in the future."),
    "consent_given": gettext_lazy(
        "Required: the word in the Lists sheet, once the head of household has agreed that the network keeps these "
        "data for the relocation survey and the housing proposal to CODI. A household without consent is not imported."
    ),
    "consent_on": gettext_lazy(
        "Required: the day consent was given, day/month/year in the Buddhist Era; not in the future."
    ),
    "consent_how": gettext_lazy("Required: one of the words in the Lists sheet."),
    "consent_witness": gettext_lazy("The witness's name; required for consent given by word of mouth."),
}


def template_csv():
    """The same header as CSV, UTF-8 with a byte-order mark so that Excel shows the Thai."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(headers())
    return buffer.getvalue().encode("utf-8-sig")
