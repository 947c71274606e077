"""No English reaches a Thai user: the project's catalogs are complete, and the messages Django's
own Thai catalog lacks are supplied by ours."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.forms import DecimalField, IntegerField
from django.utils import translation
from django.utils.translation import gettext

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("locale*/th/LC_MESSAGES/*.po"))


def test_there_are_catalogs():
    names = {str(p.relative_to(ROOT)) for p in CATALOGS}
    assert "locale/th/LC_MESSAGES/django.po" in names
    assert "locale_django/th/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_none_is_fuzzy(path):
    catalog = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path.name}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {path.name}: {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_gnu_msgfmt_accepts_every_entry(path):
    """Each translation keeps the placeholders of its English (a `%(count)s` lost would show the
    wrong text; GNU's compilemessages, which a deployment may run, refuses the whole catalog)."""
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_catalog_has_every_string_of_the_code(tmp_path):
    """A string added to the code but not to the catalog would reach users in English: extract
    the strings again, in a copy of the project, and find each one translated."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", ".bench", "staticfiles", "media", "db.sqlite3", "*.mo", "__pycache__"
        ),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "th",
            "--no-obsolete",
            "--ignore",
            "tests/*",
            "--ignore",
            "scripts/*",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    catalog = polib.pofile(str(copy / "locale/th/LC_MESSAGES/django.po"))
    missing = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
    assert not missing, f"strings in the code missing from the Thai catalog (run make makemessages): {missing[:10]}"


@pytest.mark.parametrize(
    "message",
    [
        "Enter a valid integer.",
        "Enter a number.",
        "This field is required.",
        "The {name} “{obj}” was added successfully.",
        "Please correct the error below.",
    ],
)
def test_djangos_messages_are_thai(message):
    with translation.override("th"):
        assert gettext(message) != message


def test_validation_errors_django_raises_are_thai():
    with translation.override("th"):
        for field, value in [(IntegerField(), "abc"), (DecimalField(decimal_places=2), "1.234")]:
            with pytest.raises(ValidationError) as error:
                field.clean(value)
            assert not any(c.isascii() and c.isalpha() for c in error.value.messages[0])


def test_the_password_rules_are_thai():
    with translation.override("th"):
        for text in password_validators_help_texts():
            assert not any(c.isascii() and c.isalpha() for c in text), text
