"""Change arithmetic over bounded coin levels: pure functions, no device.

Payouts are planned by dynamic programming over multiples of 10, each denomination's count
as its bound, taking the fewest coins. For 10/50/100/500 alone a bounded greedy happens to
work (each denomination divides the next), but not for a recycler that also pays notes of
other sizes, and not for the question that matters most here, "which overpayments can
always be changed", whose answer is not downward closed ({50: 1} pays 50 but not 10..40).
The DP answers all of them the same way and is checked against brute force in the tests.

Before any money is taken, :func:`acceptance` decides how far the customer may overpay so
that every possible change is payable, and whether the kiosk must ask for the exact
amount. The device then refuses (inhibits) anything that would go over that ceiling.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.payment.port import COINS, DENOMINATIONS, InvalidAmount, check_amount

UNIT = 10  # every yen denomination is a multiple of 10
#: The largest change a single insert can make necessary: it overshoots by less than
#: the largest denomination.
MAX_OVERSHOOT = max(DENOMINATIONS) - UNIT

_INF = 1 << 30


def _coins(levels: Mapping[int, int]) -> list[tuple[int, int]]:
    """Payout coins, largest first, with non-negative counts; unknown denominations are
    refused so a typo cannot turn into a payout."""
    out = []
    for denom, count in levels.items():
        if denom not in COINS:
            raise InvalidAmount("unknown_denomination")
        if count < 0:
            raise InvalidAmount("negative_level")
        if count:
            out.append((denom, count))
    return sorted(out, reverse=True)


def _tables(limit_units: int, coins: list[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    """Bounded min-coin DP for every amount 0..limit (in units of 10).

    Stage k holds (best, used): best[a] is the fewest coins paying a*10 with the first k
    denominations; used[a] how many of denomination k that took. Each stage is a sliding
    window minimum per residue class, so the cost is O(amount x denominations) whatever
    the counts."""
    best = [0] + [_INF] * limit_units
    stages: list[tuple[list[int], list[int]]] = []
    for denom, count in coins:
        u = denom // UNIT
        new = [_INF] * (limit_units + 1)
        used = [0] * (limit_units + 1)
        for r in range(min(u, limit_units + 1)):
            window: deque[tuple[int, int]] = deque()  # (i, best[r+i*u] - i), increasing
            m = 0
            a = r
            while a <= limit_units:
                if best[a] < _INF:
                    val = best[a] - m
                    while window and window[-1][1] >= val:
                        window.pop()
                    window.append((m, val))
                while window and window[0][0] < m - count:
                    window.popleft()
                if window:
                    i, val = window[0]
                    new[a] = val + m
                    used[a] = m - i
                m += 1
                a += u
        stages.append((new, used))
        best = new
    return stages


def plan_payout(amount: int, levels: Mapping[int, int]) -> dict[int, int] | None:
    """The fewest coins from ``levels`` that make exactly ``amount``, or ``None``."""
    check_amount(amount)
    coins = _coins(levels)
    units = amount // UNIT
    stages = _tables(units, coins)
    if amount == 0:
        return {}
    if not stages or stages[-1][0][units] >= _INF:
        return None
    plan: dict[int, int] = {}
    a = units
    for (denom, _), (_, used) in zip(reversed(coins), reversed(stages), strict=True):
        n = used[a]
        if n:
            plan[denom] = n
        a -= n * (denom // UNIT)
    return plan


def can_pay(amount: int, levels: Mapping[int, int]) -> bool:
    """Whether ``amount`` can be paid exactly from ``levels``."""
    return plan_payout(amount, levels) is not None


def _payable(limit: int, levels: Mapping[int, int]) -> list[bool]:
    """payable[a] for every a*10 yen up to ``limit``."""
    units = limit // UNIT
    stages = _tables(units, _coins(levels))
    if not stages:
        return [True] + [False] * units
    return [b < _INF for b in stages[-1][0]]


def largest_payable(amount: int, levels: Mapping[int, int]) -> int:
    """The most that can be paid exactly without going over ``amount``."""
    check_amount(amount)
    table = _payable(amount, levels)
    return max(i for i, ok in enumerate(table) if ok) * UNIT


def max_change(levels: Mapping[int, int], limit: int = MAX_OVERSHOOT) -> int:
    """The largest M <= ``limit`` such that every change 10, 20, ... M is payable.

    Payable amounts are not downward closed ({50: 1} pays 50 but not 10..40), so the
    overpayment ceiling is the first gap, not the largest payable amount."""
    check_amount(limit)
    table = _payable(limit, levels)
    m = 0
    while m + 1 < len(table) and table[m + 1]:
        m += 1
    return m * UNIT


@dataclass(frozen=True)
class Acceptance:
    """What the device may take for a given amount due, decided before any money."""

    due: int
    max_total: int  # the device ceiling: due + max_change
    max_change: int  # every change up to this is payable
    exact_change_only: bool  # no change at all can be given: ask for the exact amount

    @property
    def accepts_notes(self) -> bool:
        """Whether a 1,000-yen note can be taken at some point (as the first insert)."""
        return min(d for d in DENOMINATIONS if d not in COINS) <= self.max_total


def acceptance(due: int, levels: Mapping[int, int]) -> Acceptance:
    """The overpayment ceiling for ``due`` given the payout ``levels`` now.

    Coins inserted during the payment also land in the tubes, but the ceiling counts only
    the coins there before, so it is a guarantee, not a hope."""
    check_amount(due)
    if due == 0:
        raise InvalidAmount()
    m = max_change(levels)
    return Acceptance(due=due, max_total=due + m, max_change=m, exact_change_only=m == 0)
