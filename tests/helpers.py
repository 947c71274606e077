"""What several test modules share: the English checker (no English reaches a Thai reader), the
walk over the URLconf with the object that fills each URL's arguments and what each persona gets
from it, one coherent network to ask every URL about, and work run in several threads at once."""

import datetime
import hashlib
import re
import subprocess
import threading
import unicodedata
import uuid
from contextlib import contextmanager
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from enterprise import services as enterprise_services
from enterprise.models import Allocation, Product, Supplier
from groups import cards as group_cards
from groups import services as group_services
from groups import welfare
from groups.models import Officer
from housing import services as housing_services
from housing.models import BudgetLine, Step
from rent_collection import services as rent_services
from songkhla_network.models import Person, Role
from songkhla_network.thai import be_month_slug
from tests.factories import PASSWORD, jpeg_with_location, make_recipe, make_user, survey
from works import services as works_services
from works.models import Contest, Level, WorkKind

# No English reaches the reader.
#
# What a reader sees of a page: its text outside <script> and <style> (the <title> and the
# <option>s of a list included), and the attributes a browser or a screen reader shows or says.
# The value of a hidden or text input is data, not the app's words; a button's value is its label.
SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_INPUTS = ("submit", "button", "reset")

# Latin words a Thai reader is meant to see, as Thai itself writes them:
ALLOWED_WORDS = {
    # the document formats and the programme people know by these names,
    "PDF",
    "Excel",
    # CODI (พอช.), which names itself so on its letters,
    "CODI",
    # file types, as the phone's file picker names them, and their size as phones and Django's
    # own Thai write it ("15 MB"),
    "CSV",
    "csv",
    "xlsx",
    "xls",
    "JPEG",
    "PNG",
    "MB",
    # authenticator apps, as the phone's app store names them.
    "Google",
    "Microsoft",
    "Authenticator",
}
# Not words: the x's of a masked national ID (x-xxxx-xxxxx-12-1) and single letters (a plot "A/1",
# a paper size "A4"). Data with Latin letters (usernames, a bank's reference) is not the app's
# words either: the checker takes the values the test knows and removes them first.
_NOT_A_WORD = re.compile(r"x+|[A-Za-z]")
_WORD = r"[A-Za-z][A-Za-z'’]*"
# A run: Latin words with only spaces and punctuation between them ("Hold down “Control”, or...").
_RUN = re.compile(rf"{_WORD}(?:[\s,.:;!?&/()\[\]“”\"'‘’\-–]+{_WORD})*")


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip = 0
        self.tags = []
        self.chunks = []  # (where, text)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        for name in SPOKEN_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append((f'{name}="…" of <{tag}>', attrs[name]))
        if tag == "optgroup" and attrs.get("label"):
            self.chunks.append(("label of <optgroup>", attrs["label"]))
        if tag == "input" and (attrs.get("type") or "").lower() in BUTTON_INPUTS and attrs.get("value"):
            self.chunks.append((f'value of <input type="{attrs["type"]}">', attrs["value"]))
        if tag not in VOID_ELEMENTS:
            self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if tag in self.tags:
            while self.tags.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append((f"text in <{self.tags[-1] if self.tags else 'html'}>", data))


def known_data():
    """The Latin-letter data of the database a page may show as typed: the logins' usernames and
    e-mail addresses."""
    from songkhla_network.models import User

    values = set()
    for username, email in User.objects.values_list("username", "email"):
        values.update(v for v in (username, email) if v)
    return values


def _strip(text, known):
    for value in sorted(known, key=len, reverse=True):
        if value in text:
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", " ", text)
    return text


def english_runs(html, known=()):
    """Each run of English words on the page, with where it was: ["'Hold down Control' (text in
    <div>)", ...]; data the test knows (`known`) is taken out first."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    found = []
    for where, text in parser.chunks:
        for run in _RUN.findall(_strip(text, known)):
            words = re.findall(r"[A-Za-z]+", run)
            if any(w not in ALLOWED_WORDS and not _NOT_A_WORD.fullmatch(w) for w in words):
                entry = f"{' '.join(run.split())!r} ({where})"
                if entry not in found:
                    found.append(entry)
    return found


def assert_no_english(response, known=None):
    """No English word reaches the reader: every visible text is Thai, digits, data or a name on
    the short list above."""
    runs = english_runs(response.content.decode(), known_data() if known is None else known)
    assert not runs, "English on the page:\n  " + "\n  ".join(runs)


# Walking the URLconf.


def _is_static_helper(pattern):
    module = getattr(pattern.callback, "__module__", "")
    return module in ("django.views.static", "django.contrib.staticfiles.views")


def url_patterns(patterns=None, namespace="", route=""):
    """(full name or None, route) of every pattern the app serves: includes walked, the admin's
    own pages left out but for its index, static and media helpers left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.app_name == "admin":
                yield f"{inner}index", here
                continue
            yield from url_patterns(pattern.url_patterns, inner, here)
        elif isinstance(pattern, URLPattern) and not _is_static_helper(pattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), here


# Which object of the network fills each argument of a URL: {url name: {argument: attribute}}.
# The attribute is read on side A or side B of the network (see build_network); the network's
# shared objects — rounds, donations, the proposal — are on both.
ARGUMENTS = {
    "people:detail": {"pk": "person"},
    "people:export": {"pk": "person"},
    "people:erase": {"pk": "person"},
    "groups:detail": {"pk": "group"},
    "groups:sheet_choose": {"pk": "group"},
    "groups:sheet": {"pk": "group", "month": "sheet_month"},
    "groups:passbook": {"pk": "group", "member_pk": "member"},
    "groups:deposit": {"pk": "group", "member_pk": "member"},
    "groups:withdraw": {"pk": "group", "member_pk": "member"},
    "groups:reverse": {"pk": "group", "entry_pk": "entry"},
    "groups:member_add": {"pk": "group"},
    "groups:rules": {"pk": "group"},
    "groups:rules_change": {"pk": "group"},
    "groups:year_ends": {"pk": "group"},
    "groups:year_end": {"pk": "group", "month": "year_end_month"},
    "groups:year_end_post": {"pk": "group", "month": "year_end_month"},
    "groups:year_end_pdf": {"pk": "group", "month": "year_end_month"},
    "groups:loans": {"pk": "group"},
    "groups:loan_apply": {"pk": "group"},
    "groups:loan": {"pk": "group", "loan_pk": "loan"},
    "groups:loan_approve": {"pk": "group", "loan_pk": "loan"},
    "groups:loan_disburse": {"pk": "group", "loan_pk": "loan"},
    "groups:loan_reverse": {"pk": "group", "loan_pk": "loan", "entry_pk": "loan_entry"},
    "groups:fund": {"pk": "group"},
    "groups:cost_pay": {"pk": "group"},
    "groups:cards": {"pk": "group"},
    "member_card": {"token": "card_token"},
    "groups:welfare_pay": {"pk": "group"},
    "groups:fund_reverse": {"pk": "group", "entry_pk": "fund_entry"},
    "groups:loan_write_off": {"pk": "group", "loan_pk": "loan"},
    "groups:loan_reschedule": {"pk": "group", "loan_pk": "loan"},
    "groups:commitment": {"pk": "group", "member_pk": "member"},
    "groups:leave": {"pk": "group", "member_pk": "member"},
    "groups:move": {"pk": "group", "member_pk": "member"},
    "enterprise:cash_reverse": {"pk": "cash_entry"},
    "enterprise:donation": {"pk": "donation"},
    "enterprise:donation_reverse": {"pk": "donation"},
    "enterprise:batch": {"pk": "batch"},
    "enterprise:round": {"pk": "received_round"},
    "enterprise:order_sheet": {"pk": "received_round", "group_pk": "group"},
    "enterprise:purchase_orders": {"pk": "received_round"},
    "enterprise:round_receive": {"pk": "closed_round"},
    "enterprise:pickup": {"pk": "received_round"},
    "enterprise:pickup_pdf": {"pk": "received_round"},
    "enterprise:payment": {"pk": "received_round", "member_pk": "member"},
    "enterprise:allocation": {"pk": "allocation"},
    "housing:detail": {"pk": "household"},
    "housing:step": {"pk": "household"},
    "housing:proposal_households": {"pk": "proposal"},
    "housing:proposal_household_remove": {"pk": "proposal", "household_pk": "household"},
    "housing:proposal_budget": {"pk": "proposal"},
    "housing:proposal_budget_remove": {"pk": "proposal", "line_pk": "budget_line"},
    "housing:proposal": {"pk": "proposal"},
    "housing:proposal_pdf": {"pk": "proposal"},
    "housing:proposal_xlsx": {"pk": "proposal"},
    "rent:tenancy": {"pk": "tenancy"},
    "rent:statement_xlsx": {"pk": "tenancy"},
    "rent:collect": {"pk": "tenancy"},
    "rent:rent_change": {"pk": "tenancy"},
    "rent:tenancy_end": {"pk": "tenancy"},
    "rent:receipt": {"pk": "receipt"},
    "rent:receipt_pdf": {"pk": "receipt"},
    "rent:void": {"pk": "receipt"},
    "rent:remittance": {"pk": "remittance"},
    "rent:remittance_pdf": {"pk": "remittance"},
    "works:portfolio": {"pk": "community"},
    "works:portfolio_pdf": {"pk": "community"},
    "works:new": {"pk": "community"},
    "works:work": {"pk": "work"},
    "works:quantity": {"pk": "work"},
    "works:photo": {"pk": "work"},
    "works:photo_large": {"pk": "photo"},
    "works:photo_small": {"pk": "photo"},
    "works:contest": {"pk": "contest"},
    "works:entry": {"pk": "contest"},
    "works:result": {"pk": "contest"},
    "works:document": {"pk": "contest"},
    "works:document_file": {"pk": "document"},
}


def url_for(name, side):
    kwargs = {}
    for argument, attribute in ARGUMENTS.get(name, {}).items():
        value = getattr(side, attribute)
        kwargs[argument] = getattr(value, "pk", value)
    return reverse(name, kwargs=kwargs)


# The permission matrix: what every persona gets from every URL, asked for with GET
# (tests/config/test_url_matrix.py checks it; tests/browser/test_accessibility.py audits the pages).

PERSONAS = ("leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous")

# A redirect to a sign-in page (the app's, or the admin's for the admin index).
LOGIN = "login"

# Each URL name: {objects: answers}. The objects are "" (none, or the network's shared ones),
# "A" (group A, its community, the collector's community) or "B" (group B, its community, where
# the collector holds no letter). The answers are to GET, one per persona, in this order (a table:
# the formatter leaves its columns lined up, fmt: skip):
#
#                                        leader  tr_a   tr_b   coll   staff  anonymous
EXPECTATIONS = {
    # The shared pages.
    "home":                         {"":  (200,   302,   302,   302,   200,   LOGIN)},
    "ping":                         {"":  (200,   200,   200,   200,   200,   200)},
    "health":                       {"":  (200,   200,   200,   200,   200,   200)},
    "service_worker":               {"":  (200,   200,   200,   200,   200,   200)},
    "report":                       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_pdf":                   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_xlsx":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "full_export":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "login":                        {"":  (302,   302,   302,   302,   302,   200)},
    "logout":                       {"":  (405,   405,   405,   405,   405,   405)},
    "password_change":              {"":  (200,   200,   200,   200,   200,   LOGIN)},
    "password_change_done":         {"":  (200,   200,   200,   200,   200,   LOGIN)},
    # The leaders' second factor: the QR code only while a new secret waits for its first code,
    # the code page only for a sign-in waiting for it (others are sent home).
    "second_factor":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "second_factor_setup":          {"":  (302,   403,   403,   403,   403,   LOGIN)},
    "second_factor_qr":             {"":  (404,   403,   403,   403,   403,   LOGIN)},
    "second_factor_off":            {"":  (405,   405,   405,   405,   405,   405)},
    "second_factor_verify":         {"":  (302,   302,   302,   302,   302,   302)},
    "admin:index":                  {"":  (200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    # Personal data under the PDPA: the leaders' only.
    "people:search":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:log":                   {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:detail":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:export":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:erase":                 {"A": (200,   403,   403,   403,   403,   LOGIN)},
    # Savings groups: a treasurer knows of their own group only; staff read (posted sheets too) but
    # never post.
    "groups:list":                  {"":  (200,   302,   302,   403,   200,   LOGIN)},
    "groups:summary":               {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "groups:detail":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:sheet_choose":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:sheet":                 {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:passbook":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:deposit":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:withdraw":              {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:reverse":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # Membership at the meeting: the group's treasurers and leaders; moving a member to another
    # group is the leaders' alone.
    "groups:member_add":            {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:commitment":            {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:leave":                 {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:move":                  {"A": (200,   403,   403,   403,   403,   LOGIN),
                                     "B": (200,   403,   403,   403,   403,   LOGIN)},
    # The group's rules: read by whoever reads the group, agreed by its treasurers and leaders.
    "groups:rules":                 {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:rules_change":          {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # The year-end share-out: read like the group (its draft, or its statement once posted, as a
    # page and a PDF); posted by its treasurers and leaders.
    "groups:year_ends":             {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:year_end":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:year_end_post":         {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "groups:year_end_pdf":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    # Loans: read like the group; applied for, approved and paid out by its treasurers and leaders.
    "groups:loans":                 {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:loan":                  {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:loan_apply":            {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:loan_approve":          {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "groups:loan_disburse":         {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "groups:loan_reverse":          {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # The fund on a day: read like the group; its costs and welfare paid, and corrected, by its
    # treasurers and leaders.
    "groups:fund":                  {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:cost_pay":              {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:cards":                 {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # A member's card page: whoever holds the card, signed in or not.
    "member_card":                  {"A": (200,   200,   200,   200,   200,   200),
                                     "B": (200,   200,   200,   200,   200,   200)},
    "groups:welfare_pay":           {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:fund_reverse":          {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # A loan written off or rescheduled: the leaders' alone.
    "groups:loan_write_off":        {"A": (200,   403,   403,   403,   403,   LOGIN),
                                     "B": (200,   403,   403,   403,   403,   LOGIN)},
    "groups:loan_reschedule":       {"A": (200,   403,   403,   403,   403,   LOGIN),
                                     "B": (200,   403,   403,   403,   403,   LOGIN)},
    # The enterprise: leaders run it, staff read its books, treasurers order and take payments
    # for their own members.
    "enterprise:overview":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_book":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_reverse":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donations":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:donation_new":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:donation_reverse":  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:levy":              {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:rounds":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:round_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:round":             {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:order_sheet":       {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:purchase_orders":   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:round_receive":     {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:pickup":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:pickup_pdf":        {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:payment":           {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:allocation":        {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:stock":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:production":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement_xlsx":    {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:material_buy":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:batch_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:batch":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:liquid_sale":       {"":  (200,   403,   403,   403,   403,   LOGIN)},
    # Housing: treasurers see their communities' households (without personal data); the
    # proposal and the exports are for leaders and staff; writes are the leaders'.
    "housing:list":                 {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "housing:new":                  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:xlsx":                 {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:import":               {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_confirm":       {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_xlsx": {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_csv":  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:detail":               {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "housing:step":                 {"A": (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals":            {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals_xlsx":       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_households":  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_household_remove": {"": (200, 403,  403,   403,   403,   LOGIN)},
    "housing:proposal_budget":      {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_budget_remove": {"": (405,  403,   403,   403,   403,   LOGIN)},
    "housing:proposal":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_pdf":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_xlsx":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Rent: treasurers have no part; a collector reads the communities their letters name and
    # their own receipts and remittances; staff read everything; leaders do everything.
    "rent:overview":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies":               {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies_xlsx":          {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancy":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:statement_xlsx":          {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:collect":                 {"A": (200,   403,   403,   200,   403,   LOGIN),
                                     "B": (200,   403,   403,   404,   403,   LOGIN)},
    # POST-only, the leaders': a rent changed from a month, the end of a tenancy.
    "rent:rent_change":             {"A": (405,   403,   403,   403,   403,   LOGIN),
                                     "B": (405,   403,   403,   403,   403,   LOGIN)},
    "rent:tenancy_end":             {"A": (405,   403,   403,   403,   403,   LOGIN),
                                     "B": (405,   403,   403,   403,   403,   LOGIN)},
    "rent:receipts":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipts_xlsx":           {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipt":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:receipt_pdf":             {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    # POST-only: the role check runs first, then the method; whose receipt it is comes last.
    "rent:void":                    {"A": (405,   403,   403,   405,   403,   LOGIN),
                                     "B": (405,   403,   403,   405,   403,   LOGIN)},
    "rent:remittances":             {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:remittance_new":          {"":  (200,   403,   403,   200,   403,   LOGIN)},
    "rent:remittance":              {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:remittance_pdf":          {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    # The PromptPay accounts: CODI's and each collector's, set by leaders only.
    "rent:transfer_accounts":       {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "rent:letters":                 {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:letter_request":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation_xlsx":     {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress":                {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress_xlsx":           {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Community works: treasurers see and add to their own communities; collectors have no part;
    # contests are the leaders' to record.
    "works:list":                   {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:portfolio":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:portfolio_pdf":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:new":                    {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "works:work":                   {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:quantity":               {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo":                  {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo_large":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:photo_small":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:contests":               {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:contest_new":            {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "works:contest":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:entry":                  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:result":                 {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document":               {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document_file":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
}  # fmt: skip


# One coherent network to ask about.


# The share-out and the kind of loan of the network's groups' rules.
ALLOCATION = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
EMERGENCY_LOAN = {
    "times_savings": Decimal("2"),
    "ceiling": Decimal("10000"),
    "monthly_rate": Decimal("1"),
    "method": "declining",
    "longest_term": 12,
    "guarantors": 1,
}


def build_network(*, leader, collector, group_a, group_b):
    """Group A (community A, where the persona collector holds a letter) and group B (community
    B, whose rent another collector takes), each with a member, a posted sheet and its ledger
    rows, a household, a tenancy with a receipt and a remittance, a work with a photo and a
    contest with an entry and a document; and the network's enterprise and housing proposal.
    Returns {"A": side A, "B": side B}, each with the network's shared objects too."""
    today = timezone.localdate()
    month = datetime.date(2022, 2, 1)
    sides = {}
    for key, group, rent_collector in [
        ("A", group_a, collector),
        ("B", group_b, make_user("collector_b", Role.COLLECTOR)),
    ]:
        community = group.community
        member = group.members.order_by("number").first()
        sheet = group_services.sheet_post(
            group=group,
            month=month,
            paid_on=datetime.date(2022, 2, 5),
            amounts={m.pk: Decimal("100.00") for m in group.members.all()},
            user=leader,
        )
        # The group's rules from that month, and a loan applied for under them.
        group_services.rules_change(
            group=group,
            from_month=month,
            terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **ALLOCATION},
            loan_kinds={"emergency": EMERGENCY_LOAN},
            welfare_kinds={},
            user=leader,
            today=month,
        )
        loan = group_services.loan_apply(
            member=member,
            purpose="emergency",
            amount=Decimal("150.00"),
            months=3,
            guarantors=[group.members.order_by("number")[1]],
            applied_on=datetime.date(2022, 2, 10),
            reason="ค่ารักษาพยาบาล",
            user=leader,
        )
        # Approved by two officers (member 3 and a committee member from outside) and paid out.
        approvers = [
            Officer.objects.create(
                group=group, person=person, position=Officer.Position.COMMITTEE, since=datetime.date(2021, 12, 1)
            )
            for person in (
                group.members.order_by("number")[2].person,
                Person.objects.create(first_name=f"กรรมการ{key}", last_name=community.name),
            )
        ]
        for officer in approvers:
            group_services.loan_approve(loan=loan, officer=officer, approved_on=datetime.date(2022, 2, 12), user=leader)
        payout = group_services.loan_disburse(loan=loan, date=datetime.date(2022, 2, 15), user=leader)
        # A cost of the group, paid from its cash.
        cost = welfare.cost_pay(
            group=group, date=datetime.date(2022, 2, 20), amount=Decimal("20.00"), what_for="ค่าเครื่องเขียน", user=leader
        )
        household = survey(community, leader, first_name=f"ครัวเรือน{key}", last_name=community.name, member=member)
        tenancy = rent_services.tenancy_register(
            person={"first_name": f"ผู้เช่า{key}", "last_name": community.name},
            community=community,
            plot=f"{key}/1",
            contract_number=f"รฟท. {key}",
            monthly_rent=Decimal("200"),
            start_date=datetime.date(2012, 1, 1),
            opening_balance=Decimal("1000"),
            opening_on=today - datetime.timedelta(days=45),
            opening_source="หนังสือแจ้งยอดค้างชำระ พอช.",
        )
        rent_services.letter_record(
            number=f"พอช. {key}",
            date=today - datetime.timedelta(days=35),
            signed_by="ผู้อำนวยการสำนักงานภาคใต้",
            valid_from=today - datetime.timedelta(days=30),
            valid_to=today + datetime.timedelta(days=300),
            assignments=[(rent_collector, [community])],
        )
        receipt = rent_services.receipt_post(
            collector=rent_collector, tenancy=tenancy, date=today, amount=Decimal("200"), user=rent_collector
        )
        remittance = rent_services.remittance_post(
            collector=rent_collector,
            receipts=[receipt],
            transfer_date=today,
            bank_reference=f"KTB-{key}",
            amount=Decimal("200"),
            user=rent_collector,
        )
        work = works_services.work_create(
            community=community,
            kind=WorkKind.ECO_BOTTLES,
            title=f"ขวดนิเวศ {key}",
            description="",
            started_on=datetime.date(2021, 10, 1),
            participants=[member.person],
            user=leader,
        )
        photo = works_services.photo_add(work=work, upload=jpeg_with_location(size=(320, 240)), caption="", user=leader)
        contest = Contest.objects.create(
            name=f"การประกวด {key}",
            organiser="เทศบาลนครสงขลา",
            level=Level.MUNICIPALITY,
            date=datetime.date(2022, 1, 19),
        )
        works_services.entry_add(contest=contest, work=work)
        document = works_services.document_add(
            contest=contest,
            upload=SimpleUploadedFile("result.pdf", b"%PDF-1.4\n%%EOF\n"),
            title="ผลการตัดสิน",
            user=leader,
        )
        sides[key] = dict(
            group=group,
            community=community,
            member=member,
            sheet_month=be_month_slug(month),
            year_end_month=be_month_slug(datetime.date(2022, 12, 1)),  # the year of the group's first rules
            entry=sheet.entries.get(member=member),
            card_token=group_cards.cards_issue(group=group, members=[member], user=leader, request_key=uuid.uuid4())[0][
                1
            ],
            loan=loan,
            loan_entry=payout,
            fund_entry=cost,
            household=household,
            person=household.head,
            tenancy=tenancy,
            receipt=receipt,
            remittance=remittance,
            work=work,
            photo=photo,
            contest=contest,
            document=document,
        )
    shared = _enterprise(leader=leader, groups=[group_a, group_b], today=today)
    shared.update(_proposal(leader=leader, household=sides["A"]["household"]))
    return {key: SimpleNamespace(**shared, **objects) for key, objects in sides.items()}


def _enterprise(*, leader, groups, today):
    """A donation, a round received and shared out (with orders of both groups), a round closed
    but not received yet, and a batch of dishwashing liquid."""
    donation = enterprise_services.donation_post(
        donor="อาจารย์มหาวิทยาลัยราชภัฏสงขลา",
        donor_detail="",
        date=today,
        amount=Decimal("5000.00"),
        purpose="",
        user=leader,
    )
    supplier = Supplier.objects.create(name="ร้านข้าว")
    Product.objects.create(
        name="ข้าวสาร",
        unit="ถุง 5 กก.",
        supplier=supplier,
        pack_name="กระสอบ",
        units_per_pack=6,
        pack_price=Decimal("780"),
        member_price=Decimal("140"),
        retail_price=Decimal("165"),
        retail_seen_on=today,
    )
    opened = today - datetime.timedelta(days=20)
    rounds = []
    for title in ("รอบรับของแล้ว", "รอบปิดแล้ว"):
        buying_round = enterprise_services.round_open(
            title=title,
            opened_on=opened,
            closes_on=opened + datetime.timedelta(days=7),
            pickup_on=opened + datetime.timedelta(days=10),
            user=leader,
        )
        item = buying_round.items.get()
        for group in groups:
            member = group.members.order_by("number").first()
            enterprise_services.orders_replace(
                buying_round=buying_round, group=group, quantities={(member.pk, item.pk): 2}, user=leader, today=opened
            )
        enterprise_services.round_close(buying_round=buying_round, packs={item.pk: 1}, user=leader)
        rounds.append(buying_round)
    received, closed = rounds
    item = received.items.get()
    enterprise_services.round_receive(buying_round=received, received={item.pk: 1}, notes={}, date=today, user=leader)
    allocation = Allocation.objects.filter(order__member__group=groups[0]).get()
    batch = enterprise_services.batch_make(
        recipe=make_recipe(leader, today), date=today, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    return dict(
        batch=batch,
        donation=donation,
        cash_entry=donation.cash_entry,
        received_round=received,
        closed_round=closed,
        allocation=allocation,
    )


def _proposal(*, leader, household):
    housing_services.step_add(
        household=household, step=Step.VERIFIED, date=datetime.date(2021, 12, 20), reason="", user=leader
    )
    proposal = housing_services.proposal_create(
        title="โครงการบ้านมั่นคง",
        date=datetime.date(2022, 1, 10),
        target_site="เขารูปช้าง",
        households=[household],
        user=leader,
    )
    line = BudgetLine.objects.create(proposal=proposal, item="ค่าที่ดิน", amount=Decimal("100000.00"))
    return dict(proposal=proposal, budget_line=line)


# Requests at the same moment (a double tap, two phones): the tests that something is posted once.


def at_once(count, work):
    """Run `work(barrier)` in `count` threads, each with its own database connection, released
    together by the barrier; return what each returned."""
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            results.append(work(barrier))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@contextmanager
def rolled_back():
    """What the block writes is undone at its end: one hypothesis example's records, gone before
    the next example."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# In the browser.

# The class Bootstrap gives a box whose value was refused.
IS_INVALID = re.compile(r"(^|\s)is-invalid(\s|$)")


def sign_in(page, live_server, username, *, shoot=None):
    page.goto(live_server.url + reverse("login"))
    if shoot:
        shoot(page, "login")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def settle(page):
    """Puts the page at its foot without a smooth scroll, the pointer at its left edge (over no
    button, so that the scroll hovers none), and waits until every CSS transition and animation
    that ends has ended. A button's colours change over 0.15 s when it is pressed or hovered
    (.btn's transition): axe-core, run in between, reads a colour half-way and finds its contrast
    too low."""
    page.mouse.move(0, 0)
    page.evaluate(
        """async () => {
            window.scrollTo({top: document.documentElement.scrollHeight, behavior: "instant"});
            await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            await Promise.all(document.getAnimations()
                .filter(animation => animation.effect && animation.effect.getComputedTiming().endTime !== Infinity)
                .map(animation => animation.finished.catch(() => null)));
        }"""
    )


# Reading back the PDFs the app makes.


def pdf_text(source):
    """The text layer of a PDF (its bytes, or a path) in the order it was written (pdftotext -raw).
    Two artefacts are undone: WeasyPrint writes ำ as ํ + า (so that it copies at all), and the
    extractor breaks the line before a tone mark that Sarabun shifts left over its vowel (ฟื|้นฟู);
    no Thai text has a space before a combining mark, so such a space is the extractor's."""
    if isinstance(source, (str, Path)):
        raw = subprocess.run(["pdftotext", "-raw", str(source), "-"], capture_output=True, check=True).stdout
    else:
        raw = subprocess.run(["pdftotext", "-raw", "-", "-"], input=source, capture_output=True, check=True).stdout
    text = re.sub(r"\s+(?=[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])", "", raw.decode().replace("\u0e4d\u0e32", "\u0e33"))
    return unicodedata.normalize("NFC", text)


def squeezed(text):
    """Without spaces and line breaks: Thai lines in a PDF break between words, anywhere."""
    return re.sub(r"\s+", "", str(text))


# What a database holds, to compare two of them (a backup restored, a migration run).

# The apps whose tables hold the network's records.
PROJECT_APPS = ["songkhla_network", "groups", "enterprise", "housing", "rent_collection", "works"]


def database_fingerprint():
    """Everything that must survive a round trip, as JSON-ready values: rows of every model of the
    project's apps (their change history and many-to-many tables included) counted and hashed row
    by row, every decimal column summed, each group's ledger balance and members, every uploaded
    file's bytes, the sequences that number new rows and the triggers that keep money rows."""
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db.models import Count, DecimalField, FileField, Sum

    from groups.models import SavingsGroup

    result = {"rows": {}, "digests": {}, "sums": {}, "files": {}}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            name = model._meta.label
            fields = [f.attname for f in model._meta.concrete_fields]
            digest = hashlib.sha256()
            for row in model._default_manager.order_by("pk").values_list(*fields).iterator():
                digest.update(repr(row).encode())
            result["rows"][name] = model._default_manager.count()
            result["digests"][name] = digest.hexdigest()
            for field in model._meta.concrete_fields:
                if isinstance(field, DecimalField):
                    total = model._default_manager.aggregate(total=Sum(field.name))["total"]
                    result["sums"][f"{name}.{field.name}"] = str(total)
                if isinstance(field, FileField):
                    for file_name in model._default_manager.exclude(**{field.name: ""}).values_list(
                        field.name, flat=True
                    ):
                        with default_storage.open(file_name, "rb") as file:
                            result["files"][file_name] = hashlib.sha256(file.read()).hexdigest()
    groups = SavingsGroup.objects.annotate(balance=Sum("entries__amount"))
    result["balances"] = {g.name: str(g.balance) for g in groups}
    result["members"] = {g.name: g.member_count for g in SavingsGroup.objects.annotate(member_count=Count("members"))}
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        result["sequences"] = dict(sorted(cursor.fetchall()))
        cursor.execute(
            "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers ORDER BY 1, 2"
        )
        result["triggers"] = [list(row) for row in cursor.fetchall()]
    return result


def database_url(name):
    params = connection.settings_dict
    credentials = quote(params["USER"], safe="") + (
        ":" + quote(params["PASSWORD"], safe="") if params["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{quote(params['HOST'] or '', safe='')}:{params['PORT'] or 5432}/{name}"


def money(locator):
    """An amount as a page shows it (a Playwright locator of "1,234.50"), as a Decimal."""
    return Decimal(locator.inner_text().strip().replace(",", ""))
