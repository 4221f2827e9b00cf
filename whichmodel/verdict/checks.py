"""Deterministic checks of an answer, before any judge: does structured output parse and
keep to the request's JSON schema, does a tool call name a tool that was offered with
arguments its schema accepts, and (when production's answer is known) did it choose the
same tool with the same arguments, or give JSON with the same keys. Pure; each check is
True or False, or absent when it does not apply."""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema

from whichmodel.verdict.stats import MIN_PROMPTS, rate_change

CHECKS = {
    "json_valid": "JSON output parses",
    "json_schema": "JSON output fits the schema",
    "tool_offered": "tool call names an offered tool",
    "tool_arguments": "tool arguments fit the tool's schema",
    "same_tool": "same tool as production",
    "same_arguments": "same tool arguments as production",
    "same_keys": "same JSON keys as production",
}
"""Each check and how reports name it."""


def _parse(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, None


def _fits(value: Any, schema: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    try:
        validator = jsonschema.validators.validator_for(schema)
        validator.check_schema(schema)
    except jsonschema.SchemaError:
        return True  # a schema the log carried but nobody can apply: not the answer's fault
    return validator(schema).is_valid(value)


def normalized(value: Any) -> Any:
    """JSON compared by meaning: key order, whitespace and number form (1 == 1.0) aside."""
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _arguments(call: dict[str, Any]) -> tuple[bool, Any]:
    ok, value = _parse(call.get("arguments") or "")
    return ok and isinstance(value, dict), value


def run_checks(
    request: dict[str, Any] | None,
    text: str,
    tool_calls: list[dict[str, Any]],
    production: dict[str, Any] | None = None,
) -> dict[str, bool]:
    """The checks that apply to this answer. ``production``: {"text", "tool_calls"} of
    the answer production gave, when the log holds it."""
    request = request or {}
    out: dict[str, bool] = {}
    fmt = request.get("response_format") or {}
    tools = {
        t["function"]["name"]: t["function"].get("parameters")
        for t in request.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    }
    prod_calls = list((production or {}).get("tool_calls") or [])

    if fmt.get("type") in ("json_object", "json_schema") and not tool_calls:
        ok, value = _parse(text)
        out["json_valid"] = ok
        if fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema")
            out["json_schema"] = ok and _fits(value, schema)
        if production is not None and not prod_calls:
            prod_ok, prod_value = _parse(production.get("text") or "")
            if prod_ok and isinstance(prod_value, dict):
                out["same_keys"] = ok and isinstance(value, dict) and set(value) == set(prod_value)

    if tools:
        # An answer without a tool call passes these: choosing not to call is judged by
        # same_tool (against production) and by the judge, not by the call checks.
        out["tool_offered"] = all(c.get("name") in tools for c in tool_calls)
        out["tool_arguments"] = all(
            (parsed := _arguments(c))[0] and _fits(parsed[1], tools.get(c.get("name")))
            for c in tool_calls
        )
        if production is not None:
            names = [c.get("name") for c in tool_calls]
            out["same_tool"] = names == [c.get("name") for c in prod_calls]
            if out["same_tool"] and prod_calls:
                out["same_arguments"] = all(
                    _arguments(a)[0]
                    and normalized(_arguments(a)[1]) == normalized(_arguments(b)[1])
                    for a, b in zip(tool_calls, prod_calls, strict=True)
                )
    return out


def wilson(passed: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95% Wilson score interval of a pass rate."""
    if total == 0:
        return 0.0, 1.0
    p = passed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def check_changes(
    pairs: list[tuple[dict[str, bool], dict[str, bool]]], margin: float
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Paired pass-rate changes, candidate minus baseline, per check (points, with their
    95% bootstrap interval), and what they mean for non-inferiority: (changes, failures,
    open questions). A check fails when its whole interval is below ``-margin``."""
    margin_pts = margin * 100
    names = sorted({k for base, cand in pairs for k in base.keys() & cand.keys()})
    changes, failures, questions = {}, [], []
    for name in names:
        diffs = [
            int(cand[name]) - int(base[name])
            for base, cand in pairs
            if name in base and name in cand
        ]
        interval = rate_change(diffs)
        changes[name] = interval
        label = f"check {CHECKS.get(name, name)}: {interval.text(' pts')} pass rate"
        if len(diffs) < MIN_PROMPTS or interval.low is None or interval.high is None:
            # too few prompts for an interval to be trusted: it can only leave it open
            if interval.estimate is not None and interval.estimate < -margin_pts:
                questions.append(
                    f"{label} below the baseline's on only {len(diffs)} "
                    f"prompt{'' if len(diffs) == 1 else 's'} "
                    f"(at least {MIN_PROMPTS} decide)"
                )
        elif interval.high < -margin_pts:
            failures.append(f"{label}, below the baseline's by more than {margin_pts:g} points")
        elif interval.low < -margin_pts:
            questions.append(
                f"{label} may be below the baseline's by more than {margin_pts:g} points"
            )
    return changes, failures, questions
