"""A ``switch`` recommendation as Portkey gateway configs a team can deploy.

Two configs, both sent by the application as the ``x-portkey-config`` header (or saved
as a config on hosted Portkey):

- fallback: the recommended model first, the baseline when it fails
  (``{"strategy": {"mode": "fallback", "on_status_codes": [...]}, "targets": [R, B]}``);
- canary: a share of the traffic to the recommended model, the rest to the baseline
  (``{"strategy": {"mode": "loadbalance"}, "targets": [R (weight s), B (weight 1 - s)]}``).

Each target names its provider, its model (``override_params.model``, which replaces the
model the application asks for) and, when the model was reached through one, its
``custom_host``. Credentials are never written: each target carries a ``${VAR}``
placeholder, ``"api_key": "${OPENAI_API_KEY}"`` (the provider's ``api_key_env``, else
``<PROVIDER>_API_KEY``), or ``"virtual_key": "${OPENAI_VIRTUAL_KEY}"`` when the provider
has a Portkey virtual key (hosted Portkey only). ``load_config`` (or ``envsubst``) fills
them in from the environment where the config is used.

Measured on the open-source gateway (@portkey-ai/gateway 1.15.2): a target must carry
its own ``api_key`` (the validator rejects a target with ``provider`` and no
``api_key``, ``virtual_key`` is not accepted, and the request's ``Authorization`` header
is not passed on to targets); an ``x-portkey-custom-host`` request header overrides
every target's ``custom_host``, so the application must not send one with these configs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from whichmodel.config import (
    DEFAULT_CANARY_SHARE,
    ROUTE_BY,
    SECRET_HINTS,
    Settings,
    provider_key,
)
from whichmodel.errors import ConfigError
from whichmodel.portkey.wire import STRICT_COMPLIANCE, configured_headers, parse_model
from whichmodel.records.verdict import Recommendation

FALLBACK_FILE = "fallback.json"
CANARY_FILE = "canary.json"
CONDITIONAL_FILE = "conditional.json"
FALLBACK_STATUS_CODES = (408, 429, 500, 502, 503, 504)
"""Answers of the recommended model that send the request on to the baseline: timeouts,
rate limits and server errors (not 4xx request errors, which the baseline would repeat)."""

_PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Request headers with a per-target config field; other x-portkey-* headers are not
# carried over (``notes`` says which).
_CUSTOM_HOST = "x-portkey-custom-host"
_FORWARD_HEADERS = "x-portkey-forward-headers"
_REQUEST_TIMEOUT = "x-portkey-request-timeout"
_STRICT = STRICT_COMPLIANCE
_MAPPED = (_CUSTOM_HOST, _FORWARD_HEADERS, _REQUEST_TIMEOUT, _STRICT)


# ---------------------------------------------------------------- which two models


Switch = Recommendation | tuple[str, str]
"""A ``Recommendation``, or a ``(recommended, baseline)`` pair."""


def switch_models(rec: Switch) -> tuple[str, str]:
    """``(recommended, baseline)`` from a ``Recommendation`` or a ``(recommended,
    baseline)`` pair. A recommendation that is not a switch raises ``ConfigError``
    (there is nothing to deploy)."""
    if isinstance(rec, tuple | list):
        recommended, baseline = rec
        return str(recommended), str(baseline)
    if rec.decision != "switch":
        raise ConfigError(
            f"Run {rec.run_id} recommends keeping {rec.baseline}: there is no switch to deploy."
        )
    return rec.recommended_model, rec.baseline


def is_switch(rec: Recommendation) -> bool:
    return rec.decision == "switch"


# ---------------------------------------------------------------- targets


def key_env(provider: str, settings: Settings) -> str:
    """The environment variable holding ``provider``'s API key (as whichmodel reads it)."""
    configured = settings.providers.get(provider)
    if configured and configured.api_key_env:
        return configured.api_key_env
    return f"{_env_name(provider)}_API_KEY"


def _env_name(provider: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", provider.upper())


def _custom_host(url: str, model: str) -> str:
    parsed = urlparse(url)
    if parsed.username or parsed.password:
        raise ConfigError(
            f"The custom host of {model} has credentials in its URL: they are not written "
            "to a config; use a host without user:password."
        )
    return url.rstrip("/")


def target(model: str, settings: Settings) -> dict[str, Any]:
    """One Portkey config target for ``model`` (``portkey/<provider>/<model>``)."""
    ref = parse_model(model, settings)
    provider = settings.providers.get(ref.provider)
    per_model = settings.model_settings(model)
    headers = configured_headers(ref, settings)

    out: dict[str, Any] = {"provider": ref.provider}
    if provider and provider.virtual_key:
        out["virtual_key"] = f"${{{_env_name(ref.provider)}_VIRTUAL_KEY}}"
    else:
        out["api_key"] = f"${{{key_env(ref.provider, settings)}}}"
    out["override_params"] = {**per_model.params, "model": ref.name}
    if headers.get(_CUSTOM_HOST):
        out["custom_host"] = _custom_host(headers[_CUSTOM_HOST], model)
    if headers.get(_FORWARD_HEADERS):
        out["forward_headers"] = [
            h.strip() for h in headers[_FORWARD_HEADERS].split(",") if h.strip()
        ]
    if headers.get(_REQUEST_TIMEOUT, "").isdigit():
        out["request_timeout"] = int(headers[_REQUEST_TIMEOUT])
    strict = provider.strict_openai_compliance if provider else None
    if _STRICT in headers:
        strict = headers[_STRICT].strip().lower() != "false"
    if strict is not None:
        out["strict_open_ai_compliance"] = strict
    return out


# ---------------------------------------------------------------- the two configs


def fallback_config(
    rec: Switch,
    settings: Settings,
    on_status_codes: Iterable[int] = FALLBACK_STATUS_CODES,
) -> dict[str, Any]:
    """The recommended model first; the baseline answers when it fails with one of
    ``on_status_codes``."""
    recommended, baseline = switch_models(rec)
    return {
        "strategy": {"mode": "fallback", "on_status_codes": sorted(set(on_status_codes))},
        "targets": [target(recommended, settings), target(baseline, settings)],
    }


def check_share(share: float) -> float:
    """``share`` as a float strictly between 0 and 1, else one-line ``ConfigError``."""
    try:
        value = float(share)
    except (TypeError, ValueError):
        value = math.nan
    if not (0.0 < value < 1.0):
        raise ConfigError(
            f"--canary-share must be between 0 and 1 (exclusive), e.g. 0.1 sends 10% of "
            f"the traffic to the recommended model; got {share}."
        )
    return value


def canary_config(
    rec: Switch, settings: Settings, share: float = DEFAULT_CANARY_SHARE
) -> dict[str, Any]:
    """``share`` of the requests to the recommended model, the rest to the baseline."""
    share = check_share(share)
    recommended, baseline = switch_models(rec)
    return {
        "strategy": {"mode": "loadbalance"},
        "targets": [
            {**target(recommended, settings), "weight": round(share, 6)},
            {**target(baseline, settings), "weight": round(1.0 - share, 6)},
        ],
    }


def write_configs(
    directory: Path | str,
    rec: Switch,
    settings: Settings,
    share: float = DEFAULT_CANARY_SHARE,
) -> list[Path]:
    """Write ``fallback.json`` and ``canary.json`` into ``directory`` (created if needed);
    nothing is written when either config cannot be built."""
    configs = {
        FALLBACK_FILE: fallback_config(rec, settings),
        CANARY_FILE: canary_config(rec, settings, share),
    }
    folder = _folder(directory)
    paths = []
    for name, config in configs.items():
        path = folder / name
        path.write_text(json.dumps(config, indent=2) + "\n")
        paths.append(path)
    return paths


def target_name(model: str) -> str:
    """A config target's name for ``model``: ``openai-gpt-4o-mini``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model.removeprefix("portkey/")).strip("-")


def conditional_config(
    routes: Mapping[str, str], baseline: str, settings: Settings, route_by: str = ROUTE_BY
) -> dict[str, Any]:
    """A conditional router on ``metadata.<route_by>``: each routed value to its model,
    everything else (other values, no metadata) to the baseline. The application sends
    the value in its ``x-portkey-metadata`` header."""
    models = list(dict.fromkeys([baseline, *routes.values()]))
    return {
        "strategy": {
            "mode": "conditional",
            "conditions": [
                {"query": {f"metadata.{route_by}": {"$eq": value}}, "then": target_name(model)}
                for value, model in sorted(routes.items())
            ],
            "default": target_name(baseline),
        },
        "targets": [{"name": target_name(m), **target(m, settings)} for m in models],
    }


def write_conditional(
    directory: Path | str,
    routes: Mapping[str, str],
    baseline: str,
    settings: Settings,
    route_by: str = ROUTE_BY,
) -> Path:
    """Write ``conditional.json`` into ``directory`` (created if needed)."""
    config = conditional_config(routes, baseline, settings, route_by)
    folder = _folder(directory)
    path = folder / CONDITIONAL_FILE
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


def _folder(directory: Path | str) -> Path:
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder: pass a folder to --portkey-configs.")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- using the files


def placeholders(config: Any) -> list[str]:
    """The environment variables a config names (``${VAR}``), in order, once each."""
    found = _PLACEHOLDER_RE.findall(json.dumps(config))
    return list(dict.fromkeys(found))


def resolve(config: Any, env: Mapping[str, str] | None = None) -> Any:
    """``config`` with every ``${VAR}`` replaced from ``env`` (default: the environment);
    ``ConfigError`` names the variables that are not set."""
    if env is None:
        env = {name: value for name in placeholders(config) if (value := provider_key(name))}
    missing = [name for name in placeholders(config) if not env.get(name)]
    if missing:
        raise ConfigError(
            f"Set {', '.join(missing)} in the environment: the Portkey config needs "
            f"{'them' if len(missing) > 1 else 'it'}."
        )

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER_RE.sub(lambda m: env[m.group(1)], value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return fill(config)


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A written config with its placeholders filled in, ready for ``x-portkey-config``
    (``json.dumps`` it)."""
    result: dict[str, Any] = resolve(json.loads(Path(path).read_text()), env)
    return result


def notes(rec: Switch, settings: Settings) -> list[str]:
    """What the person deploying should know: the variables to set, and settings of the
    evaluation that a gateway config cannot carry."""
    recommended, baseline = switch_models(rec)
    out = []
    names = placeholders([target(recommended, settings), target(baseline, settings)])
    out.append(
        f"Credentials are placeholders: fill {', '.join('${' + n + '}' for n in names)} from "
        "the environment (whichmodel.portkey.deploy.load_config, or envsubst) before use."
    )
    for model in (recommended, baseline):
        ref = parse_model(model, settings)
        skipped = sorted(
            name
            for name in configured_headers(ref, settings)
            if name not in _MAPPED and name != "x-portkey-config"
        )
        if skipped:
            secret = [h for h in skipped if any(s in h for s in SECRET_HINTS)]
            other = [h for h in skipped if h not in secret]
            if other:
                out.append(f"{model}: headers {', '.join(other)} are not in the config.")
            if secret:
                out.append(f"{model}: {', '.join(secret)} not written (credentials).")
        if settings.model_settings(model).system_prompt:
            out.append(
                f"{model} was evaluated with its own system_prompt: a gateway config cannot "
                "set it; the application must send it."
            )
    return out


def deploy(
    rec: Recommendation,
    settings: Settings,
    folder: Path,
    share: float | None,
    routes: Mapping[str, str] | None = None,
    route_by: str = ROUTE_BY,
) -> list[str]:
    """``report --portkey-configs``: a switch becomes ``fallback.json`` and ``canary.json``
    in ``folder``; groups that switch on their own (``routes``) become
    ``conditional.json``; nothing is written for what does not switch (files left from an
    earlier run are named). Returns what to tell the user, one line each."""
    lines = []
    if is_switch(rec):
        share = DEFAULT_CANARY_SHARE if share is None else share
        fallback, canary = write_configs(folder, rec, settings, share)
        lines += [
            f"Portkey configs written: {fallback} ({rec.recommended_model} first, "
            f"{rec.baseline} on failure), {canary} ({share * 100:g}% to "
            f"{rec.recommended_model}).",
            *notes(rec, settings),
        ]
    else:
        lines.append(
            f"Run {rec.run_id} recommends keeping {rec.baseline}: no fallback or canary "
            f"config written (nothing to deploy){_stale(folder, FALLBACK_FILE, CANARY_FILE)}."
        )
    if routes is None:
        return lines
    if routes:
        path = write_conditional(folder, routes, rec.baseline, settings, route_by)
        sent = ", ".join(f"{value} -> {model}" for value, model in sorted(routes.items()))
        lines.append(
            f"Portkey routing config written: {path} (by metadata.{route_by}: {sent}; "
            f"anything else -> {rec.baseline})."
        )
    else:
        lines.append(
            f"No {route_by} switches on its own: no routing config written"
            f"{_stale(folder, CONDITIONAL_FILE)}."
        )
    return lines


def _stale(folder: Path, *names: str) -> str:
    old = [str(folder / n) for n in names if (folder / n).exists()]
    return (
        f"; {', '.join(old)} {'are' if len(old) > 1 else 'is'} from an earlier run" if old else ""
    )
