"""How figures read, everywhere: money, shares, seconds, intervals."""

from __future__ import annotations

from whichmodel.records.verdict import CheckRate, Interval


def money(value: float | None) -> str:
    """US dollars for people; None (price unknown) reads "unknown", never $0."""
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def pct(value: float | None) -> str:
    """A share (0..1) as a percentage; None reads "-"."""
    return "-" if value is None else f"{value:.1%}"


def num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def seconds(value_ms: float | None) -> str:
    """Milliseconds as seconds."""
    return "-" if value_ms is None else f"{value_ms / 1000:,.2f}"


def interval(value: Interval | None, unit: str = "%", *, bound_units: bool = True) -> str:
    """``+1.2% [-0.4%, +2.9%]`` (``bound_units=False``: ``+1.2% [-0.4, +2.9]``); an
    estimate without bounds alone; "unknown" without an estimate."""
    if value is None or value.estimate is None:
        return "unknown"
    head = f"{value.estimate:+.1f}{unit}"
    if value.low is None or value.high is None:
        return head
    tail = unit if bound_units else ""
    return f"{head} [{value.low:+.1f}{tail}, {value.high:+.1f}{tail}]"


def check_rate(rate: CheckRate | None) -> str:
    """A check's pass rate with its interval and counts: ``95% [83%, 99%] 19/20``."""
    if rate is None:
        return "-"
    return f"{rate.rate:.0%} [{rate.low:.0%}, {rate.high:.0%}] {rate.passed}/{rate.total}"
