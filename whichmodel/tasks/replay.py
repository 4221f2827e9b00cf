"""A logged request, replayed: what each call sends (the request's own tools, format and
parameters, a model's settings in whichmodel.toml winning, and which of them won), the
answer production already gave as a stored row (the baseline from history, priced from
its logged cost or logged usage), and the deterministic checks of every answer."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from whichmodel.config import Settings
from whichmodel.portkey.wire import NOT_FORWARDED
from whichmodel.records.answers import AnswerRecord
from whichmodel.records.runs import Production, Prompt, Replay
from whichmodel.refusal.detect import RefusalVerdict, detect
from whichmodel.tasks.roles import Prices, Roles
from whichmodel.verdict.checks import run_checks
from whichmodel.verdict.pricing import Usage, cost_of, normalize_usage

SAMPLING = ("temperature", "top_p", "stop", "seed")
USAGE_KEYS = ("prompt_tokens", "cached_tokens", "completion_tokens")


def replay_for(prompt: Prompt, model: str, settings: Settings) -> tuple[Replay, list[str]]:
    """What a call of ``model`` on ``prompt`` sends, and the request fields the model's
    own settings overrode."""
    request = prompt.request or {}
    per_model = settings.model_settings(model)
    overridden: list[str] = []
    sampling: dict[str, Any] = {}
    for key in SAMPLING:
        if key not in request:
            continue
        own = per_model.temperature if key == "temperature" else per_model.params.get(key)
        if own is not None:
            overridden.append(key)
        else:
            sampling[key] = request[key]
    max_tokens = request.get("max_tokens")
    if max_tokens is not None and per_model.max_tokens is not None:
        overridden.append("max_tokens")
        max_tokens = per_model.max_tokens
    response_format = request.get("response_format")
    if response_format is not None and "response_format" in per_model.params:
        overridden.append("response_format")
        response_format = None
    replay = Replay(
        tools=request.get("tools"),
        tool_choice=request.get("tool_choice"),
        response_format=response_format,
        max_tokens=max_tokens,
        sampling=sampling,
    )
    return replay, overridden


def answer_refusal(text: str, finish_reason: str | None, tool_calls: list[Any]) -> RefusalVerdict:
    """A tool call is an answer, not an empty (refused) one."""
    if tool_calls:
        return RefusalVerdict(False, None)
    return detect(text, finish_reason)


def checks_of(
    prompt: Prompt,
    text: str,
    tool_calls: list[dict[str, Any]],
    production: Production | None,
) -> dict[str, Any] | None:
    """The answer's checks, or None when none applies."""
    logged = None
    if production is not None:
        logged = {"text": production.text, "tool_calls": list(production.tool_calls)}
    return run_checks(prompt.request, text, tool_calls, logged) or None


def history_answer(
    run_id: str,
    prompt: Prompt,
    model: str,
    production: Production,
    prices: Prices,
    settings: Settings,
) -> AnswerRecord:
    """The stored answer production gave (no call). Its cost: the logged cost when the
    log has one, else the logged usage at the production model's price (genai-prices),
    else at the baseline's price."""
    calls = list(production.tool_calls)
    text = production.text
    tokens = [production.input_tokens, production.cached_tokens, production.output_tokens]
    provider = production.provider or prices.roles.refs[model].provider
    usage = normalize_usage(provider, tokens[0], tokens[1], tokens[2])
    if production.cost_usd is not None:
        cost, source = float(production.cost_usd), "logged cost"
    elif tokens[0] is None and tokens[2] is None:
        cost, source = None, "no usage logged"
    else:
        cost, source = _logged_usage_cost(production, usage, model, prices, settings)
    verdict = answer_refusal(text, production.finish_reason, calls)
    return AnswerRecord(
        run_id=run_id,
        prompt_id=prompt.id,
        model=model,
        status="ok",
        text=text,
        finish_reason=production.finish_reason,
        input_tokens=usage.input_tokens,
        cached_tokens=usage.cached_tokens,
        output_tokens=usage.output_tokens,
        usage=dict(zip(USAGE_KEYS, tokens, strict=True)),
        latency_ms=production.latency_ms,
        cost_usd=cost,
        price_source=source,
        refused=verdict.refused,
        refusal_reason=verdict.reason,
        refusal_kind=verdict.kind,
        trace_id=production.trace_id,
        tool_calls=calls or None,
        origin="history",
        checks=checks_of(prompt, text, calls, production),
    )


def _logged_usage_cost(
    production: Production, usage: Usage, model: str, prices: Prices, settings: Settings
) -> tuple[float | None, str]:
    logged_model = production.model
    if logged_model:
        found = cost_of(production.provider or "", str(logged_model), usage)
        if found.usd is not None:
            return found.usd, f"{found.source} ({logged_model}, logged usage)"
    cost, source = prices.cost(model, usage)
    return cost, f"{source} (logged usage)" if cost is not None else source


def drift_prompts(history_ids: list[str], settings: Settings) -> list[str]:
    """The prompts whose baseline is called again: ``drift_check`` of ``history_ids``
    (the run's prompts with a stored production answer, in run order), a seeded sample,
    in run order."""
    n = settings.drift_check
    if not n or settings.judge_mode == "pairwise":
        return []
    if n >= len(history_ids):
        return history_ids
    picked = set(random.Random(DRIFT_SEED).sample(history_ids, n))
    return [i for i in history_ids if i in picked]


DRIFT_SEED = 20261203


def overrides(
    prompts: Iterable[Prompt], roles: Roles, settings: Settings
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per model, the logged request fields its own settings overrode on ``prompts``, and
    those the gateway does not forward to its provider (one pass: ``prompts`` may be read
    a page at a time)."""
    found: dict[str, set[str]] = {m: set() for m in roles.models}
    missing: dict[str, set[str]] = {m: set() for m in roles.models}
    for prompt in prompts:
        if not prompt.request:
            continue
        for model in roles.models:
            found[model] |= set(replay_for(prompt, model, settings)[1])
            lost = NOT_FORWARDED.get(roles.refs[model].provider, ())
            missing[model] |= {k for k in lost if k in prompt.request}
    return (
        {m: sorted(keys) for m, keys in found.items() if keys},
        {m: sorted(keys) for m, keys in missing.items() if keys},
    )
