#!/usr/bin/env python
"""List Thai (th) messages of Django and third-party apps that nobody translates.

Django's own Thai catalogs are incomplete: some entries are untranslated or
fuzzy, and many current messages are missing from them altogether (the th
files lag behind the English source catalogs).  The project supplies those
messages in locale_django/th/LC_MESSAGES/{django,djangojs}.po, which must be
listed in settings.LOCALE_PATHS.  This script compares the installed packages' catalogs with
that supplement and prints every message that would still show up in English.

A message counts as needed when it is in a package's source catalog (its
``en`` catalog; for third-party packages without one, the union of all its
catalogs plus, when GNU xgettext is available, the messages that Django's
``makemessages`` extracts from its code) but is not translated in the
package's own th catalog, or when it is untranslated/fuzzy in that catalog.

Prints nothing and exits 0 when nothing is missing; otherwise prints one line
per missing message and exits 1.  Standard library (and Django) only.

Usage (from the project root, with the project's virtualenv):
    python scripts/django_catalog_gaps.py [--all-contrib] [--no-extract] [--supplement DIR]
"""

import argparse
import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import django

LANG = "th"
DOMAINS = ("django", "djangojs")
SUPPLEMENT_DIR = Path(__file__).resolve().parent.parent / "locale_django" / LANG / "LC_MESSAGES"

# Django parts the project uses ("conf" is Django's core catalog).
DJANGO_PARTS = [
    "conf",
    "contrib/admin",
    "contrib/auth",
    "contrib/contenttypes",
    "contrib/sessions",
    "contrib/messages",
    "contrib/staticfiles",
    "contrib/humanize",
]
# Third-party packages whose messages the users see; skipped if not installed.
THIRD_PARTY = ["simple_history", "crispy_forms", "crispy_bootstrap5"]


class Entry:
    __slots__ = ("msgctxt", "msgid", "msgid_plural", "msgstr", "flags", "obsolete")

    def __init__(self):
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}
        self.flags = set()
        self.obsolete = False

    @property
    def key(self):
        # gettext looks plural and singular messages up differently, so a
        # plural message is only supplied by a plural entry.
        return (self.msgctxt, self.msgid, self.msgid_plural is not None)

    @property
    def translated(self):
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(s != "" for s in self.msgstr.values())


def _unquote(text, path, lineno):
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"{path}:{lineno}: expected a quoted string")
    return ast.literal_eval(text)  # PO escapes are a subset of Python's


def parse_po(path):
    """Return the non-obsolete entries (header excluded) of a .po file."""
    entries = []
    cur = Entry()
    field = None  # (attribute name, msgstr index)
    have_msgstr = False

    def flush():
        nonlocal cur, field, have_msgstr
        if have_msgstr and not (cur.msgctxt is None and cur.msgid == ""):
            entries.append(cur)
        cur, field, have_msgstr = Entry(), None, False

    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            obsolete = line.startswith("#~")
            if obsolete:
                line = line[2:].strip()
            if not line or line.startswith("|"):
                continue
            if line.startswith("#"):
                if have_msgstr:
                    flush()
                if line.startswith("#,"):
                    cur.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
                continue
            if line.startswith('"'):
                if field is None:
                    raise ValueError(f"{path}:{lineno}: continuation without keyword")
                value = _unquote(line, path, lineno)
                name, index = field
                if name == "msgstr":
                    cur.msgstr[index] += value
                else:
                    setattr(cur, name, getattr(cur, name) + value)
                continue
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and have_msgstr:
                flush()
            cur.obsolete = cur.obsolete or obsolete
            value = _unquote(rest, path, lineno)
            if keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(cur, keyword, value)
                field = (keyword, None)
            elif keyword == "msgstr" or (keyword.startswith("msgstr[") and keyword.endswith("]")):
                index = 0 if keyword == "msgstr" else int(keyword[7:-1])
                cur.msgstr[index] = value
                field = ("msgstr", index)
                have_msgstr = True
            else:
                raise ValueError(f"{path}:{lineno}: unknown keyword {keyword!r}")
    flush()
    return [e for e in entries if not e.obsolete]


def extract_source(package_dir, domain):
    """Messages found in a package's code by Django's makemessages (needs xgettext)."""
    if not shutil.which("xgettext"):
        return []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "pkg"
        shutil.copytree(package_dir, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc"))
        (copy / "locale").mkdir()
        env = dict(os.environ)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", LANG, "-d", domain],
            cwd=copy,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        po = copy / "locale" / LANG / "LC_MESSAGES" / f"{domain}.po"
        return parse_po(po) if po.exists() else []


def needed_entries(package_dir, domain, extract):
    """(entry, reason) pairs for messages of one package/domain lacking a th translation."""
    locale = Path(package_dir) / "locale"
    name = f"{domain}.po"
    th_path = locale / LANG / "LC_MESSAGES" / name
    th = {e.key: e for e in parse_po(th_path)} if th_path.exists() else {}

    en_path = locale / "en" / "LC_MESSAGES" / name
    source = {}
    if en_path.exists():
        for e in parse_po(en_path):
            source.setdefault(e.key, e)
    else:
        for po in sorted(locale.glob("*/LC_MESSAGES/" + name)) if locale.is_dir() else []:
            for e in parse_po(po):
                source.setdefault(e.key, e)
        if extract:
            for e in extract_source(package_dir, domain):
                source.setdefault(e.key, e)

    result = []
    for k, e in source.items():
        t = th.get(k)
        if t is None:
            result.append((e, "not in th catalog" if th_path.exists() else "no th catalog"))
        elif not t.translated:
            result.append((e, "fuzzy in th catalog" if "fuzzy" in t.flags else "untranslated in th catalog"))
    for k, t in th.items():
        if k not in source and not t.translated:
            result.append((t, "fuzzy in th catalog" if "fuzzy" in t.flags else "untranslated in th catalog"))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--all-contrib",
        action="store_true",
        help="check every django.contrib app, not only the ones the project uses",
    )
    parser.add_argument(
        "--no-extract",
        action="store_true",
        help="do not run makemessages on third-party packages that ship no en catalog",
    )
    parser.add_argument(
        "--supplement",
        type=Path,
        metavar="DIR",
        default=SUPPLEMENT_DIR,
        help="directory holding the supplementary th catalogs (default: %(default)s)",
    )
    args = parser.parse_args()

    django_dir = Path(django.__file__).resolve().parent
    if args.all_contrib:
        parts = ["conf"] + sorted(
            "contrib/" + p.name for p in (django_dir / "contrib").iterdir() if (p / "__init__.py").exists()
        )
    else:
        parts = DJANGO_PARTS
    # Django's en catalogs are complete (strings of contrib apps without a
    # locale directory, e.g. messages and staticfiles, live in the core
    # catalog), so source extraction is only used for third-party packages.
    packages = [("django/" + p, django_dir / p, False) for p in parts]
    for name in THIRD_PARTY:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            packages.append((name, Path(spec.origin).parent, not args.no_extract))

    supplied = {}
    for domain in DOMAINS:
        path = args.supplement / f"{domain}.po"
        supplied[domain] = {e.key for e in parse_po(path) if e.translated} if path.exists() else set()

    missing = 0
    for label, package_dir, extract in packages:
        for domain in DOMAINS:
            for e, reason in needed_entries(package_dir, domain, extract):
                if e.key in supplied[domain]:
                    continue
                missing += 1
                ctxt = "" if e.msgctxt is None else f" msgctxt={e.msgctxt!r}"
                plural = "" if e.msgid_plural is None else f" msgid_plural={e.msgid_plural!r}"
                print(f"{label} [{domain}] ({reason}){ctxt} msgid={e.msgid!r}{plural}")
    if missing:
        print(
            f"{missing} message(s) missing from {args.supplement}/{{django,djangojs}}.po",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
