"""Change arithmetic: checked against brute force on small inputs."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.change import (
    MAX_OVERSHOOT,
    acceptance,
    can_pay,
    largest_payable,
    max_change,
    plan_payout,
)
from kiosk.payment.port import COINS, InvalidAmount

small_levels = st.fixed_dictionaries({c: st.integers(0, 4) for c in COINS})
amounts = st.integers(0, 150).map(lambda u: u * 10)


def brute_force(levels: dict[int, int]) -> dict[int, int]:
    """Every payable amount with the fewest coins it takes."""
    best: dict[int, int] = {}
    denoms = sorted(levels)
    for counts in itertools.product(*(range(levels[d] + 1) for d in denoms)):
        total = sum(d * n for d, n in zip(denoms, counts, strict=True))
        best[total] = min(best.get(total, 1 << 30), sum(counts))
    return best


@settings(max_examples=300, deadline=None)
@given(levels=small_levels, amount=amounts)
def test_plan_is_possible_minimal_and_found_whenever_one_exists(levels, amount) -> None:
    plan = plan_payout(amount, levels)
    truth = brute_force(levels)
    if amount in truth:
        assert plan is not None
        assert sum(d * n for d, n in plan.items()) == amount
        assert all(0 < n <= levels[d] for d, n in plan.items())
        assert sum(plan.values()) == truth[amount]
    else:
        assert plan is None
    assert can_pay(amount, levels) == (amount in truth)


@settings(max_examples=200, deadline=None)
@given(levels=small_levels, amount=amounts)
def test_largest_payable_matches_brute_force(levels, amount) -> None:
    truth = brute_force(levels)
    assert largest_payable(amount, levels) == max(t for t in truth if t <= amount)


@settings(max_examples=200, deadline=None)
@given(levels=small_levels)
def test_max_change_is_the_first_gap(levels) -> None:
    truth = brute_force(levels)
    m = max_change(levels)
    assert m <= MAX_OVERSHOOT
    assert all(c in truth for c in range(10, m + 1, 10))
    assert m == MAX_OVERSHOOT or (m + 10) not in truth


@settings(max_examples=200, deadline=None)
@given(levels=small_levels, due=st.integers(1, 300).map(lambda u: u * 10))
def test_every_total_under_the_ceiling_can_be_changed(levels, due) -> None:
    acc = acceptance(due, levels)
    for total in range(due, acc.max_total + 1, 10):
        assert can_pay(total - due, levels)
    assert acc.exact_change_only == (acc.max_change == 0)


def test_not_downward_closed() -> None:
    assert can_pay(50, {50: 1})
    assert max_change({50: 1}) == 0
    assert acceptance(300, {50: 1}).exact_change_only


def test_large_levels_are_fast_and_exact() -> None:
    levels = {500: 10_000, 100: 10_000, 50: 10_000, 10: 10_000}
    assert plan_payout(99_990, levels) == {500: 199, 100: 4, 50: 1, 10: 4}
    assert max_change(levels) == MAX_OVERSHOOT


def test_notes_accepted_only_when_the_ceiling_allows() -> None:
    assert not acceptance(300, {10: 5}).accepts_notes
    assert acceptance(300, {500: 1, 100: 4, 50: 1, 10: 4}).accepts_notes
    assert acceptance(1200, {}).accepts_notes


@pytest.mark.parametrize("bad", [-10, 5, 1.5, True])
def test_bad_amounts(bad) -> None:
    with pytest.raises(InvalidAmount):
        plan_payout(bad, {10: 1})


def test_bad_levels_and_zero_due() -> None:
    with pytest.raises(InvalidAmount):
        can_pay(10, {20: 1})
    with pytest.raises(InvalidAmount):
        can_pay(10, {10: -1})
    with pytest.raises(InvalidAmount):
        acceptance(0, {10: 1})
