"""The cost-quality chart (matplotlib): cost per 1,000 prompts on a log scale against
quality, the baseline marked, 95% whiskers, the Pareto frontier, refusal rate as colour.
As an inline SVG (text kept as text, deterministic ids, no date) or a PNG file."""

from __future__ import annotations

import io
import math
import re
import threading
from pathlib import Path
from typing import Any

from whichmodel.errors import NoDataError
from whichmodel.records.verdict import short
from whichmodel.results.run_report import ChartData

_CHART_LOCK = threading.Lock()  # rcParams are global: one chart at a time
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "whichmodel", "svg.image_inline": True}


def _figure(chart: ChartData) -> Any | None:
    """The cost-quality chart as a matplotlib Figure (None when nothing can be plotted)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    points = chart.points
    if not points:
        return None
    pairwise = chart.pairwise
    # fixed axes, no layout engine: constrained layout would triple the drawing time
    fig = Figure(figsize=(8.0, 4.8))
    ax = fig.add_axes((0.095, 0.105, 0.79, 0.83))
    cax = fig.add_axes((0.9, 0.105, 0.022, 0.83))
    ax.set_xscale("log")
    vmax = max(0.05, max(p["refusal"] for p in points))
    cmap = "YlOrRd"

    front = chart.frontier
    if len(front) > 1:
        ax.step(
            [p["x"] for p in front],
            [p["y"] for p in front],
            where="post",
            color="#2a9d8f",
            linewidth=1.5,
            linestyle="--",
            zorder=1,
        )
    for p in points:
        if p["xerr"] or p["yerr"]:
            ax.errorbar(
                p["x"],
                p["y"],
                xerr=None if p["xerr"] is None else [[p["xerr"][0]], [p["xerr"][1]]],
                yerr=None if p["yerr"] is None else [[p["yerr"][0]], [p["yerr"][1]]],
                fmt="none",
                ecolor="#888888",
                elinewidth=1,
                capsize=3,
                zorder=2,
            )
    scatter = None
    for is_base, marker, size in ((False, "o", 90), (True, "s", 150)):
        group = [p for p in points if p["baseline"] == is_base]
        if not group:
            continue
        scatter = ax.scatter(
            [p["x"] for p in group],
            [p["y"] for p in group],
            c=[p["refusal"] for p in group],
            cmap=cmap,
            vmin=0,
            vmax=vmax,
            marker=marker,
            s=size,
            edgecolors="black",
            linewidths=1.6 if is_base else 0.8,
            zorder=3,
        )
    recommended = chart.recommended
    if pairwise:
        ax.axhline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    xs = [p["x"] for p in points]
    xs += [p["x"] - p["xerr"][0] for p in points if p["xerr"]]
    xs += [p["x"] + p["xerr"][1] for p in points if p["xerr"]]
    xs = [x for x in xs if x > 0]
    low, high = min(xs) / 1.6, max(xs) * 1.6
    ax.set_xlim(low, high)
    _dollar_ticks(ax, math.log10(high / low))
    span = math.log10(high / low)
    for p in points:
        label = short(p["model"])
        if p["baseline"]:
            label += " (baseline)"
        elif p["model"] == recommended:
            label += " (recommended)"
        # labels of points on the right half go to their left, away from the colour bar
        left = math.log10(p["x"] / low) / span > 0.55
        ax.annotate(
            label,
            (p["x"], p["y"]),
            xytext=(-8 if left else 8, 7),
            textcoords="offset points",
            ha="right" if left else "left",
            fontsize=8,
            parse_math=False,
            fontweight="bold" if p["baseline"] or p["model"] == recommended else "normal",
        )
    ys = [p["y"] for p in points]
    ys += [p["y"] - p["yerr"][0] for p in points if p["yerr"]]
    ys += [p["y"] + p["yerr"][1] for p in points if p["yerr"]]
    pad = max(0.02 if not pairwise else 2.0, (max(ys) - min(ys)) * 0.15)
    ax.set_ylim(min(ys) - pad, max(ys) + pad * 1.5)
    ax.set_xlabel("cost per 1,000 prompts (USD, log scale)")
    ax.set_ylabel(
        "net preference vs baseline (pts; baseline = 0)"
        if pairwise
        else "quality (judge score, 0-1)"
    )
    ax.grid(True, which="both", alpha=0.25)
    handles = [
        Line2D(
            [], [], marker="s", linestyle="", color="white", markeredgecolor="black", markersize=9
        ),
        Line2D(
            [], [], marker="o", linestyle="", color="white", markeredgecolor="black", markersize=8
        ),
        Line2D([], [], color="#888888", linewidth=1, marker="|", markersize=8),
    ]
    labels = ["baseline", "candidate", "95% interval vs baseline"]
    if len(front) > 1:
        handles.append(Line2D([], [], color="#2a9d8f", linestyle="--", linewidth=1.5))
        labels.append("Pareto frontier (cheaper and better)")
    ax.legend(handles, labels, loc="best", fontsize=8, framealpha=0.85)
    if scatter is not None:
        bar = fig.colorbar(scatter, cax=cax)
        bar.set_label("refusal rate")
        bar.ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(
        "Cost vs net preference per model" if pairwise else "Cost vs quality per model",
        fontsize=11,
    )
    return fig


def _dollar(value: float) -> str:
    return f"${value:.3g}" if value < 1000 else f"${value:,.0f}"


def _dollar_ticks(ax: Any, decades: float) -> None:
    """Plain "$0.5" tick labels (no mathtext: faster, and readable): minor ticks are
    labelled too when the axis spans few decades."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _dollar(v)))

    def minor(value: float, _: int) -> str:
        if value <= 0 or decades > 3:
            return ""
        mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9), 6)
        if decades <= 1.2 or mantissa in (2, 5):
            return _dollar(value)
        return ""

    ax.xaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="x", which="minor", pad=5.1)  # level with the major labels


_SVG_CLEAN = [
    (re.compile(r"<metadata>.*?</metadata>\s*", re.S), ""),
    (re.compile(r'\s+xmlns(:xlink)?="[^"]*"'), ""),
]


def chart_svg(chart: ChartData) -> str | None:
    """The chart as an ``<svg>`` element to inline in HTML (None: nothing to plot)."""
    import matplotlib

    with _CHART_LOCK, matplotlib.rc_context(_SVG_RC):
        fig = _figure(chart)
        if fig is None:
            return None
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    for pattern, repl in _SVG_CLEAN:
        svg = pattern.sub(repl, svg)
    # the width/height in pt stay as the natural size; CSS lets it shrink
    return svg


def chart_png(chart: ChartData, path: str | Path, dpi: int = 150) -> Path:
    """The same chart as a PNG file (for documentation)."""
    import matplotlib

    path = Path(path)
    with _CHART_LOCK, matplotlib.rc_context(_SVG_RC):
        fig = _figure(chart)
        if fig is None:
            raise NoDataError("Nothing to plot: no model has both a known price and a score.")
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path
