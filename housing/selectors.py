"""Where households stand on their way (their latest step), and the proposal's summary tables,
computed from the households it includes."""

from collections import Counter
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from .models import Household, StatusStep


def latest_steps(as_of=None):
    """The steps of the household of the outer query, latest first (those dated by `as_of` when
    given): `latest_steps().values("step")[:1]` is where it stands, as a subquery."""
    steps = StatusStep.objects.filter(household=OuterRef("pk"))
    if as_of is not None:
        steps = steps.filter(date__lte=as_of)
    return steps.order_by("-date", "-id")


def households_by_step(as_of=None):
    """{step: households standing at it} as the records stand, or on `as_of` (households surveyed
    by then, at their latest step dated by then). One query."""
    households = Household.objects.all() if as_of is None else Household.objects.filter(surveyed_on__lte=as_of)
    return dict(
        households.annotate(status=Subquery(latest_steps(as_of).values("step")[:1]))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


INCOME_BANDS = [(0, 5000), (5000, 10000), (10000, 15000), (15000, None)]
PAY_BANDS = [(0, 1000), (1000, 2000), (2000, 3000), (3000, None)]


def _band(value, bands):
    for low, high in bands:
        if high is None or value < high:
            return (low, high)
    return bands[-1]


def _band_label(band):
    low, high = band
    if high is None:
        return _("%(low)s baht or more") % {"low": f"{low:,}"}
    return _("%(low)s – %(high)s baht") % {"low": f"{low:,}", "high": f"{high - 1:,}"}


def _table(counter, total, order=None):
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], str(k)))
    return [
        (key, counter[key], (Decimal(counter[key]) * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0"))
        for key in keys
        if counter[key]
    ]


def summary(households):
    """Counts (and shares in per cent) by community, household size, tenure, income band, ability
    to pay, and the savings-group membership rate."""
    total = len(households)
    by_size = Counter(min(h.size, 7) for h in households)
    by_income = Counter(_band(h.monthly_income, INCOME_BANDS) for h in households)
    by_pay = Counter(_band(h.can_pay, PAY_BANDS) for h in households)
    members = sum(1 for h in households if h.member_id)
    return {
        "total": total,
        "people": sum(h.size for h in households),
        "by_community": _table(Counter(h.community.name for h in households), total),
        "by_size": [
            (_("7 or more") if k == 7 else str(k), n, p) for k, n, p in _table(by_size, total, order=sorted(by_size))
        ],
        "by_tenure": _table(Counter(h.get_tenure_display() for h in households), total),
        "by_income": [(_band_label(k), n, p) for k, n, p in _table(by_income, total, order=INCOME_BANDS)],
        "by_pay": [(_band_label(k), n, p) for k, n, p in _table(by_pay, total, order=PAY_BANDS)],
        "members": members,
        "member_rate": (Decimal(members) * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0"),
    }
