"""How figures read, everywhere: money, shares, seconds, intervals, check rates."""

from __future__ import annotations

import pytest

from whichmodel.records.verdict import CheckRate, Interval
from whichmodel.report.format import check_rate, interval, money, num, pct, seconds


def test_an_unknown_price_reads_unknown_never_zero_dollars() -> None:
    assert money(None) == "unknown"
    assert "$0" not in money(None)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "$0.0000"),  # a known free answer is $0, an unknown one is not
        (0.08, "$0.0800"),
        (0.99994, "$0.9999"),
        (1.0, "$1.00"),
        (1234.5, "$1,234.50"),
    ],
)
def test_money_keeps_four_decimals_below_a_dollar_and_cents_above(value, text) -> None:
    assert money(value) == text


def test_shares_numbers_and_seconds_read_a_dash_when_missing() -> None:
    assert (pct(None), num(None), seconds(None)) == ("-", "-", "-")
    assert pct(0.125) == "12.5%"
    assert pct(0.0) == "0.0%"
    assert num(0.8) == "0.800" and num(0.8, 1) == "0.8"
    assert seconds(1234.0) == "1.23"
    assert seconds(123_456.0) == "123.46"


def test_an_interval_reads_estimate_then_bounds() -> None:
    value = Interval(estimate=1.2, low=-0.4, high=2.9)
    assert interval(value) == "+1.2% [-0.4%, +2.9%]"
    assert interval(value, bound_units=False) == "+1.2% [-0.4, +2.9]"
    assert interval(value, " pts") == "+1.2 pts [-0.4 pts, +2.9 pts]"


def test_an_interval_without_bounds_is_its_estimate_and_without_estimate_unknown() -> None:
    assert interval(Interval(estimate=-60.0)) == "-60.0%"
    assert interval(Interval(estimate=-60.0, low=-61.0)) == "-60.0%"  # one bound is none
    assert interval(Interval(estimate=None, low=1.0, high=2.0)) == "unknown"
    assert interval(None) == "unknown"


def test_a_check_rate_reads_rate_interval_and_counts() -> None:
    rate = CheckRate(passed=19, total=20, rate=0.95, low=0.764, high=0.991)
    assert check_rate(rate) == "95% [76%, 99%] 19/20"
    assert check_rate(None) == "-"
