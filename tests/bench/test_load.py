"""bench/load.py's reasoning: how the capacity search picks its next rate,
and how the recovery after a fault is measured."""

from __future__ import annotations

import pytest

from bench import load, loadgen
from bench.cpu import CpuMeter, tree_seconds


@pytest.mark.parametrize(
    ("rate", "held", "failed", "expected"),
    [
        (20.0, 20.0, 0.0, 30.0),  # held: step up
        (30.0, 20.0, 30.0, 25.0),  # failed: halfway between
        (25.0, 25.0, 30.0, 27.5),
        (27.5, 27.5, 30.0, None),  # within 10%: done
        (20.0, 0.0, 20.0, 10.0),  # the first step failed: halve
        (4.0, 0.0, 4.0, None),  # down to a quarter of the start: give up
    ],
)
def test_the_next_rate_of_the_capacity_search(rate, held, failed, expected):
    assert load.next_rate(rate, held, failed, start=20.0) == expected


def outcome(started: float, finished: float, status: int, cache: str = "") -> loadgen.Outcome:
    return loadgen.Outcome("tile", started, started, finished, status, cache=cache)


def phase(outcomes: list[loadgen.Outcome]) -> loadgen.Phase:
    return loadgen.Phase(10.0, 30.0, outcomes, 0, 0.0)


def test_recovery_runs_to_the_first_answer_sent_after_the_last_failure():
    outcomes = [
        outcome(9.0, 9.01, 200),
        outcome(10.1, 10.2, 500),
        outcome(11.5, 11.6, 200, cache="HIT"),  # nginx's cache: not the app
        outcome(12.0, 12.4, 0),
        outcome(12.5, 12.6, 200),
    ]

    assert load.recovery_seconds(phase(outcomes), began=10.0) == pytest.approx(2.6)


def test_without_failures_recovery_is_one_answer_away():
    outcomes = [outcome(9.0, 9.01, 200), outcome(10.2, 10.25, 204)]

    assert load.recovery_seconds(phase(outcomes), began=10.0) == pytest.approx(0.25)


def test_recovery_that_never_comes_is_said_so():
    assert load.recovery_seconds(phase([outcome(10.5, 10.6, 500)]), began=10.0) is None


def test_a_process_tree_counts_its_descendants_and_their_reaped_children():
    table = {1: (0, 1.0, 0.5), 2: (1, 2.0, 0.0), 3: (2, 0.25, 0.0), 4: (0, 9.0, 0.0)}

    assert tree_seconds(table, 1) == 3.75
    assert tree_seconds(table, 99) == 0.0


def test_the_meter_attributes_this_process_to_the_generator():
    meter = CpuMeter(dict)
    meter.start()
    sum(n * n for n in range(300_000))

    shares = meter.stop(1.0)

    assert set(shares) == {"generator", "other"}
    assert shares["generator"] >= 0.0
