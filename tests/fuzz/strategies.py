"""What people (and worse) type into the app's forms: Thai and Latin text, Thai digits, control and
zero-width characters, right-to-left marks, huge, negative and non-numbers, impossible dates, empty
and very long strings.

Each kind of field has `good` values (so that some posts go through and their writes can be
checked) and shares the `nasty` ones. `form_data` mixes them: all good, one field bad, or
anything goes, with fields left out and unknown fields added."""

import datetime

from django.utils import timezone
from hypothesis import strategies as st

from songkhla_network.thai import be_date_input

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff"]
BIDI = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"]
ODD = ZERO_WIDTH + BIDI + ["\u00a0", "\u3000", "\u0e3f", "²", "٣", "\uff11", "\u0301", "\U0001f600"]
ODD += ["%", "'", '"', "\\", "<", ">", "&", ";"]

THAI_LETTERS = "".join(chr(c) for c in range(0x0E01, 0x0E5C) if chr(c).isprintable())
ALPHABET = st.one_of(
    st.sampled_from(THAI_LETTERS),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from("0123456789๐๑๒๓๔๕๖๗๘๙,.-/ "),
    st.sampled_from(CONTROL + ODD),
)

LONG = "ก" * 10_000
# Strings that str.isdigit(), int(), Decimal() and regular expressions' \d do not agree on.
WEIRD_DIGITS = [
    "²",
    "2565²",
    "²๕๖๕",
    "٣",
    "١٢",
    "１２",
    "𝟙𝟚",
    "--5",
    "+5",
    "5-",
    "-",
    "9" * 5000,
    "1" + "0" * 4400,
    "-" + "9" * 5000,
]
NUMBERS = [
    "0",
    "-0",
    "-1",
    "-100",
    "-0.01",
    "0.001",
    "1e30",
    "1E+30",
    "-1e30",
    "1e-30",
    str(10**40),
    "-" + str(10**40),
    "9" * 200,
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e999999999",
    "1E+999999999999999999",
    "1e-999999999999999999",
    "1,,000",
    "1.2.3",
    "๑๒๓",
    "๑,๕๐๐.๕๐",
    "-๕",
    "๙" * 200,
    "0x10",
    "1_000",
    "1 000",
    "บาท",
    "฿",
    "100 บาท",
    "฿100",
    "99999999.99",
    "9999999999.99",
    "10000000000",
    "100000",
    "100001",
    "2147483648",
    "9223372036854775808",
]
DATES = [
    "31/2/2565",
    "0/0/0",
    "29/2/2566",
    "29/2/2567",
    "32/1/2565",
    "1/13/2565",
    "1/1/9999",
    "1/1/2022",
    "1/1/0",
    "00/00/0000",
    "9/3/65",
    "๓๑/๒/๒๕๖๕",
    "9 มี.ค. 2565",
    "9 มีนาคม 9999",
    "9 ไม่มีเดือน 2565",
    "2565-02-31",
    "2022-02-28",
    "9999-99-99",
    "1/1/-2565",
    "1/1/" + "9" * 50,
    "9/3/2565\x00",
    "\u200b9/3/2565",
    "٩/٣/٢٥٦٥",
    "1/1/2400",
    "31/12/2700",
    "1/1/3108",
]
TEXTS = [
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "\x7f",
    "\x1b[31m",
    "\r\n",
    "\u200b",
    "\ufeff100",
    "1\u200b00",
    "\u202e001",
    "\u200f๑๐๐",
    LONG,
    "a" * 10_001,
    "๑" * 10_000,
    "\u200b" * 5000,
    "\x00" * 100,
    "<script>alert(1)</script>",
    "'; DROP TABLE groups_ledgerentry; --",
    "%(amount)s",
    "{{ form }}",
    "%s%s%s",
    "../../etc/passwd",
]


def thai(text):
    return text.translate(THAI_DIGITS)


def today():
    return timezone.localdate()


def be(day):
    return be_date_input(day)


@st.composite
def injected(draw, base):
    """A value with an odd character slipped in somewhere."""
    text = draw(base)
    char = draw(st.sampled_from(CONTROL + ODD))
    where = draw(st.integers(0, len(text)))
    return text[:where] + char + text[where:]


numbers_as_text = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: thai(repr(f))),
)

impossible_dates = st.builds(
    lambda d, m, y, digits: (thai if digits else str)(f"{d}/{m}/{y}"),
    st.integers(-3, 40),
    st.integers(-1, 14),
    st.sampled_from(
        [0, 1, 65, 99, 100, 1800, 2022, 2023, 2399, 2400, 2564, 2565, 2566, 2567, 2700, 2701, 3108, 9999, 99999]
    ),
    st.booleans(),
)

nasty = st.one_of(
    st.sampled_from(WEIRD_DIGITS),
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),
    st.sampled_from(TEXTS),
    st.text(ALPHABET, max_size=40),
    numbers_as_text,
    impossible_dates,
    injected(st.sampled_from(["100", "9/3/2565", "ทดสอบ", "1"])),
)


# Good values, per kind of field.


def good_dates():
    """Dates a person means: today, a few days back, in B.E. with either digits."""
    day = today()
    dates = [day, day - datetime.timedelta(days=1), day - datetime.timedelta(days=3)]
    return st.sampled_from([be(d) for d in dates] + [thai(be(d)) for d in dates])


GOOD = {
    "money": st.sampled_from(["100", "100.00", "๑๐๐", "1,000", "25.50", "0.01", "50 บาท", "๒๐", "1"]),
    "int": st.sampled_from(["", "0", "1", "2", "๓", "10"]),
    "quantity": st.sampled_from(["1", "2.5", "๓", "0.5", "10", "1,000"]),
    "text": st.sampled_from(["ทดสอบ", "Test", "ค่าน้ำ ๒๕๖๕", "สมใจ รักบ้าน", "หมายเหตุ: ok"]),
    "bool": st.sampled_from(["on", ""]),
    "uuid": st.uuids().map(str),
}


def good_month():
    day = today()
    months = [(day.month, day.year + 543), (max(1, day.month - 1), day.year + 543), (3, 2565), (12, 2564)]
    return st.sampled_from([(str(m), str(y)) for m, y in months] + [(str(m), thai(str(y))) for m, y in months])


def good_for(kind):
    """The good strategy for a field kind: a name from GOOD, or a strategy given directly."""
    if isinstance(kind, st.SearchStrategy):
        return kind
    if kind == "date":
        return good_dates()
    return GOOD[kind]


def choice(values):
    return st.sampled_from([str(v) for v in values])


def multi(values, *, min_size=0):
    return st.lists(st.sampled_from([str(v) for v in values]), min_size=min_size, max_size=len(values), unique=True)


field_names = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=20),
    st.sampled_from(
        [
            "amount_0",
            "amount_999999",
            "qty_1_1",
            "qty_x",
            "packs_0",
            "note_",
            "csrfmiddlewaretoken",
            "_method",
            "__proto__",
        ]
    ),
)


@st.composite
def form_data(draw, fields, months=(), multis=()):
    """POST data for a form. `fields` maps names to a kind ("money", "date", ...) or a strategy of
    good values; `months` are BEMonthField names (sent as name_0, name_1); `multis` are names whose
    good strategy draws lists (checkbox groups)."""
    mode = draw(st.sampled_from(["good", "one_bad", "one_bad", "chaos"]))
    names = list(fields) + list(months)
    bad = set()
    if mode == "one_bad" and names:
        bad = {draw(st.sampled_from(names))}
    elif mode == "chaos":
        bad = {name for name in names if draw(st.booleans())}
    data = {}
    for name, kind in fields.items():
        if name in bad:
            if draw(st.integers(0, 5)) == 0:
                continue  # left out
            value = draw(st.one_of(nasty, st.lists(nasty, min_size=2, max_size=3)) if name in multis else nasty)
        else:
            value = draw(good_for(kind))
        data[name] = value
    for name in months:
        month, year = draw(good_month())
        if name in bad:
            which = draw(st.sampled_from(["month", "year", "both"]))
            if which in ("month", "both"):
                month = draw(nasty)
            if which in ("year", "both"):
                year = draw(nasty)
        data[f"{name}_0"], data[f"{name}_1"] = month, year
    if mode != "good":
        data.update(draw(st.dictionaries(field_names, nasty, max_size=3)))
    return data


def as_list(value):
    """A posted value as the list of values the server reads (a checkbox group may come as one)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
