"""The repayment schedule of a loan from a savings group's fund: what falls due each month, and how
it is rounded. This is the one place the rule is written; a page, a receipt, a PDF or a report of
what a borrower owes calls these functions.

The rule:

- A loan of `principal` baht is repaid in `months` monthly instalments, the first in `first_month`
  and one in each month after it. Interest is `monthly_rate` percent a month (Decimal("1") is 1 %).
- Principal: each instalment but the last repays the principal divided by the number of months,
  rounded DOWN to the satang; the last repays what is left. So the instalments repay exactly the
  amount lent, and the last is the largest by less than one satang per month of the loan.
- Interest, flat ("flat"): every month, the rate on the amount lent.
- Interest, declining balance ("declining"): every month, the rate on the principal still owed at
  the start of that month, before that month's instalment.
- Each month's interest is rounded to the satang half up (to_satang, 0.005 goes up) on its own; a
  loan's interest is the sum of its rounded months, never a total rounded once.
- An instalment is its month, the principal and the interest it repays, their total, and the balance
  (the principal still owed after it), which is 0.00 after the last.

A leader may reschedule what a loan still owes from a month on (rescheduled): the rule is written
there.

The method is a LoanMethod value (the string "flat" or "declining" is the same). The terms are
plain values, as a Loan or a LoanKind holds them: the amount with at most two decimals and no more
than the database holds, 1 to 120 months, a rate from 0 to 10 percent with at most two decimals.
Anything else is a programmer's mistake (forms check what people type) and raises ValueError.
"""

import datetime
import functools
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal

from songkhla_network.thai import SATANG, add_months, to_satang

from .models import LoanMethod

# What a DecimalField(max_digits=12, decimal_places=2) holds, as Loan.amount does.
LARGEST_PRINCIPAL = Decimal("9999999999.99")
LONGEST_TERM = 120
HIGHEST_RATE = Decimal("10")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Instalment:
    """One month's repayment. `balance` is the principal still owed after it."""

    month: datetime.date
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance: Decimal


METHODS = tuple(LoanMethod.values)  # read once: Django's enum works the list out at each call


def schedule(
    principal: Decimal, monthly_rate: Decimal, months: int, method: str, first_month: datetime.date
) -> list[Instalment]:
    """The loan's instalments, one a month from `first_month`, by the rule above."""
    _check(principal, monthly_rate, months, method, first_month)
    return list(_schedule(principal, monthly_rate, months, str(method), first_month))


@functools.lru_cache(maxsize=4096, typed=True)
def _schedule(
    principal: Decimal, monthly_rate: Decimal, months: int, method: str, first_month: datetime.date
) -> tuple[Instalment, ...]:
    """schedule's instalments, worked out once for each set of terms in a process: a function of
    its terms alone, and every open sheet works out each of the group's loans (equal amounts
    written with more or fewer decimals give the same instalments, each rounded to the satang).
    The terms are checked (_check) before."""
    share = (principal / months).quantize(SATANG, rounding=ROUND_DOWN)
    instalments: list[Instalment] = []
    owed = principal
    for number in range(months):
        repaid = share if number < months - 1 else owed
        interest = to_satang((principal if method == LoanMethod.FLAT else owed) * monthly_rate / 100)
        instalments.append(
            Instalment(
                month=add_months(first_month, number),
                principal=to_satang(repaid),
                interest=interest,
                total=to_satang(repaid + interest),
                balance=to_satang(owed - repaid),
            )
        )
        owed -= repaid
    return tuple(instalments)


def total_interest(instalments: list[Instalment]) -> Decimal:
    """The interest of the whole loan: the sum of its months' rounded interest."""
    return sum((instalment.interest for instalment in instalments), ZERO)


def due_by(instalments: list[Instalment], month: datetime.date) -> tuple[Decimal, Decimal]:
    """(principal, interest) falling due in the instalments of the months up to and including
    `month` (any day of it will do): what a borrower should have repaid by the end of that month."""
    due = [instalment for instalment in instalments if instalment.month <= month]
    return sum((i.principal for i in due), ZERO), sum((i.interest for i in due), ZERO)


def rescheduled(
    instalments: list[Instalment],
    from_month: datetime.date,
    principal_paid: Decimal,
    interest_paid: Decimal,
    months: int,
    monthly_rate: Decimal,
    method: str,
) -> list[Instalment]:
    """The instalments of a loan rescheduled from `from_month` over `months` months: `instalments`
    is the schedule in force until then (schedule, or an earlier rescheduling), `principal_paid`
    and `interest_paid` what was repaid on the days before `from_month`.

    The rule:

    - The months before `from_month` are settled by what was repaid: each keeps its month, and its
      principal and interest are those of the schedule in force, taken month by month from the
      earliest until what was repaid runs out. What fell due then and was not repaid is no longer
      owed in those months, so it is no longer late.
    - Principal repaid beyond what fell due before `from_month` (repaid early) is added to the last
      of those months (to a month of its own, the one before `from_month`, if the schedule has none
      before it): it was repaid then, and lowered the principal still owed.
    - The principal still owed at the start of `from_month` (the amount lent, the sum of the
      schedule's principal, less `principal_paid`) is repaid by schedule() over `months` months from
      `from_month`, at `monthly_rate` and by `method` (flat interest is then on that principal).
    - The interest that fell due before `from_month` and was not repaid is added to the first new
      month's interest: nothing is forgiven. Interest repaid beyond what fell due counts towards the
      new months. So the loan's interest is what fell due before `from_month` and the new months'.
    - A loan that owes no principal at the start of `from_month` keeps its settled months alone.

    The principal of the result adds up to the amount lent, as the schedule's did. Raises
    ValueError for terms schedule() refuses, a `from_month` that is not a month's first day, or
    repayments below zero or beyond the amount lent."""
    _check_terms(monthly_rate, months, method, from_month)
    lent = sum((i.principal for i in instalments), ZERO)
    for paid in (principal_paid, interest_paid):
        if not isinstance(paid, Decimal) or not paid.is_finite() or paid < 0 or paid != paid.quantize(SATANG):
            raise ValueError(f"What was repaid must be a Decimal of 0 or more in whole satang, not {paid!r}.")
    principal_paid, interest_paid = to_satang(principal_paid), to_satang(interest_paid)
    if principal_paid > lent:
        raise ValueError(f"{principal_paid} was repaid of a loan of {lent}.")
    settled: list[tuple[datetime.date, Decimal, Decimal]] = []  # month, principal, interest
    principal_left, interest_left, interest_due = principal_paid, interest_paid, ZERO
    for old in instalments:
        if old.month >= from_month:
            break
        principal, interest = min(old.principal, principal_left), min(old.interest, interest_left)
        principal_left -= principal
        interest_left -= interest
        interest_due += old.interest
        settled.append((old.month, principal, interest))
    if principal_left:
        month, principal, interest = settled.pop() if settled else (add_months(from_month, -1), ZERO, ZERO)
        settled.append((month, principal + principal_left, interest))
    result: list[Instalment] = []
    owed = lent
    for month, principal, interest in settled:
        owed -= principal
        result.append(Instalment(month, principal, interest, principal + interest, owed))
    if not owed:
        return result
    new = schedule(owed, monthly_rate, months, method, from_month)
    unpaid = max(ZERO, interest_due - interest_paid)
    first = new[0]
    new[0] = replace(first, interest=first.interest + unpaid, total=first.total + unpaid)
    return result + new


def _check(principal: Decimal, monthly_rate: Decimal, months: int, method: str, first_month: datetime.date) -> None:
    if not isinstance(principal, Decimal) or not principal.is_finite():
        raise ValueError(f"The principal must be a finite Decimal, not {principal!r}.")
    if not ZERO < principal <= LARGEST_PRINCIPAL:
        raise ValueError(f"The principal must be more than 0 and at most {LARGEST_PRINCIPAL}, not {principal}.")
    if principal != principal.quantize(SATANG):
        raise ValueError(f"The principal must be in whole satang (at most 2 decimals), not {principal}.")
    _check_terms(monthly_rate, months, method, first_month)


def _check_terms(monthly_rate: Decimal, months: int, method: str, first_month: datetime.date) -> None:
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= LONGEST_TERM:
        raise ValueError(f"A loan is repaid over 1 to {LONGEST_TERM} months, not {months!r}.")
    if not isinstance(monthly_rate, Decimal) or not monthly_rate.is_finite():
        raise ValueError(f"The monthly rate must be a finite Decimal, not {monthly_rate!r}.")
    if not 0 <= monthly_rate <= HIGHEST_RATE:
        raise ValueError(f"The monthly rate must be from 0 to {HIGHEST_RATE} percent, not {monthly_rate}.")
    if monthly_rate != monthly_rate.quantize(SATANG):
        raise ValueError(f"The monthly rate has at most 2 decimals, not {monthly_rate}.")
    if method not in METHODS:
        raise ValueError(f"The method must be one of {', '.join(METHODS)}, not {method!r}.")
    if not isinstance(first_month, datetime.date) or first_month.day != 1:
        raise ValueError(f"The first month must be the date of a month's first day, not {first_month!r}.")
