"""Settings: from arguments, environment variables (``WHICHMODEL_*``) and ``whichmodel.toml``.

Precedence, highest first: explicit arguments, environment, the TOML file, defaults.
Portkey's own variables (``PORTKEY_BASE_URL``, ``PORTKEY_API_KEY``,
``PORTKEY_CUSTOM_HEADERS``) are read by Langroid's ``PortkeyParams`` and keep working;
``[providers.<name>]`` tables in the TOML file override them for one provider.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from whichmodel.config.constants import (  # noqa: F401  (one import for every room)
    CONFIG_FILE_ENV,
    DEFAULT_CANARY_SHARE,
    DEFAULT_CONFIG_FILE,
    DEFAULT_CONTEXT_LENGTH,
    DEFAULT_DB,
    DEMO_DB,
    DEMO_OUTPUT,
    GATEWAY_PORT,
    HOSTED_PORTKEY_URL,
    ROUTE_BY,
    SAMPLED_JUDGE_TEMPERATURE,
    SECRET_HINTS,
    SERVE_HOST,
    SERVE_PORT,
)
from whichmodel.config.environment import (  # noqa: F401
    API_TOKEN_ENV,
    DEBUG_ENV,
    HOME_ENV,
    LLAMA_THREADS_ENV,
    PORTKEY_API_KEY_ENV,
    PORTKEY_BASE_URL_ENV,
    PORTKEY_HEADERS_ENV,
    TIKTOKEN_CACHE_ENVS,
    api_token,
    configured_portkey_url,
    debug_enabled,
    llama_threads,
    portkey_api_key,
    portkey_base_url,
    portkey_custom_headers,
    provider_key,
    tiktoken_cache_env,
    whichmodel_home,
)
from whichmodel.errors import ConfigError

JudgeMode = Literal["pointwise", "pairwise"]
RunStatus = Literal["running", "completed", "failed", "interrupted", "stopped"]
"""stopped: the spending limit; interrupted: Ctrl-C or a server shutdown."""
Decision = Literal["switch", "keep", "undecided"]


class ProviderSettings(BaseModel):
    """How to reach one provider through Portkey."""

    base_url: str | None = None
    """Gateway URL for this provider (default: ``PORTKEY_BASE_URL``)."""
    custom_headers: dict[str, str] = Field(default_factory=dict)
    """Extra headers, e.g. ``{"x-portkey-custom-host": "http://127.0.0.1:9000/v1"}``."""
    virtual_key: str | None = None
    """A Portkey virtual key that holds this provider's credentials."""
    api_key_env: str | None = None
    """Environment variable holding the provider's API key (default ``<PROVIDER>_API_KEY``)."""
    strict_openai_compliance: bool | None = None
    """Set False to let provider-specific fields (Anthropic's refusal stop reason) through."""


class ModelSettings(BaseModel):
    """Per-model request settings (a candidate may differ in more than its name)."""

    base_url: str | None = None
    """Gateway URL for this model only (wins over the provider's)."""
    custom_headers: dict[str, str] = Field(default_factory=dict)
    """Extra headers for this model only, e.g. its own ``x-portkey-custom-host``."""

    system_prompt: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    """Extra request body fields, e.g. ``{"repeat_penalty": 1.1}`` for llama.cpp."""
    context_length: int | None = None
    """Context window in tokens (default 128k); only used by Langroid's length checks."""
    json_schema: bool | None = None
    """As judge: send the ScoreTool as a JSON-schema ``response_format``
    (None: Langroid decides)."""


class PriceOverride(BaseModel):
    """A price per million tokens, for models no price list knows (or to override one)."""

    input_mtok: float = Field(ge=0)
    output_mtok: float = Field(ge=0)
    cache_read_mtok: float | None = Field(default=None, ge=0)
    note: str = "set in config"
    """Shown next to costs computed with this price (e.g. "illustrative")."""


class Weights(BaseModel):
    """How the judge's three scores combine into one quality number."""

    accuracy: float = Field(default=0.40, ge=0)
    relevance: float = Field(default=0.35, ge=0)
    clarity: float = Field(default=0.25, ge=0)

    @model_validator(mode="after")
    def _positive_total(self) -> Weights:
        if self.accuracy + self.relevance + self.clarity <= 0:
            raise ValueError("quality weights must not all be zero")
        return self

    def quality(self, accuracy: float, relevance: float, clarity: float) -> float:
        total = self.accuracy + self.relevance + self.clarity
        return (
            self.accuracy * accuracy + self.relevance * relevance + self.clarity * clarity
        ) / total


class Rule(BaseModel):
    """The decision rule: what a candidate must show, over the whole 95% paired interval,
    to replace the baseline. A run stores it; a stored run is decided again under another
    rule without any call. Each field is also a setting (``whichmodel.toml``,
    ``WHICHMODEL_<FIELD>``) and an option of ``eval`` and ``report``."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    tolerance: float = Field(default=0.05, ge=0, le=1)
    """Accepted quality loss versus the baseline (0.05 = 5%)."""
    refusal_margin: float = Field(default=0.01, ge=0, le=1)
    """Accepted refusal-rate increase versus the baseline (0.01 = 1 point)."""
    error_margin: float = Field(default=0.02, ge=0, le=1)
    """Accepted increase of the error rate (failed calls) versus the baseline (0.02 = 2
    points)."""
    check_margin: float = Field(default=0.02, ge=0, le=1)
    """Accepted drop of a check's pass rate: JSON valid, fits the schema, tool call valid,
    same tool as production (0.02 = 2 points)."""
    max_p95_latency_ms: float | None = Field(default=None, gt=0)
    """Reject a candidate whose p95 latency in ms is surely above this (undecided when
    its interval straddles it)."""

    @classmethod
    def of(cls, values: Any) -> Rule:
        """The rule in ``values`` (settings, or a mapping such as a run's stored
        settings); a field it lacks takes its default."""
        if not isinstance(values, Mapping):
            values = {name: getattr(values, name) for name in cls.model_fields}
        return cls.model_validate({k: values[k] for k in cls.model_fields if k in values})

    def updated(self, **changes: float | None) -> Rule:
        """This rule with the ``changes`` that are given (None: unchanged), checked."""
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise ConfigError(f"Not a setting of the decision rule: {', '.join(sorted(unknown))}.")
        given = {k: v for k, v in changes.items() if v is not None}
        try:
            return type(self).model_validate({**self.model_dump(), **given})
        except ValidationError as exc:
            name = str(exc.errors()[0]["loc"][0])
            what = " ".join((type(self).model_fields[name].description or "").split()).rstrip(".")
            raise ConfigError(
                f"{name} is a share between 0 and 1 ({what}); got {given.get(name)}."
                if not name.endswith("_ms")
                else f"{name} is a number of milliseconds above 0; got {given.get(name)}."
            ) from None


class Settings(BaseSettings, Rule):
    """Everything a run needs to know. Every field can be set in ``whichmodel.toml``
    or as ``WHICHMODEL_<FIELD>`` (nested: ``WHICHMODEL_WEIGHTS__ACCURACY``)."""

    model_config = SettingsConfigDict(
        env_prefix="WHICHMODEL_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=DEFAULT_CONFIG_FILE,
    )

    db: Path = DEFAULT_DB
    """SQLite file holding prompts, runs, answers, scores and recommendations."""
    baseline: str | None = None
    """The model in production now, as ``portkey/<provider>/<model>``."""
    candidates: list[str] = Field(default_factory=list)
    """Models to compare against the baseline."""
    judge: str | None = None
    """The model that scores every answer."""
    advisor: str | None = None
    """The model behind `whichmodel chat` (default: the local model)."""
    concurrency: int = Field(default=8, ge=1, le=512)
    """How many provider calls may be in flight at once."""
    baseline_from_history: bool = False
    """Judge the answers production already gave (imported with the history) instead of
    calling the baseline again; prompts without one are left out and counted."""
    drift_check: int = Field(default=0, ge=0)
    """With baseline_from_history: call the baseline again on this many prompts and
    report how often the fresh answer scores within the tolerance of the stored one."""
    judge_controls: int = Field(default=4, ge=0, le=50)
    """Prompts of each run used to check the judge before its scores are trusted (a good
    and a bad answer to each, and the good one judged twice); 0: no controls."""
    judge_control_pass: float = Field(default=0.75, ge=0, le=1)
    """Share of the judge's controls it must pass, or the run decides nothing."""
    judge_repeat_bound: float = Field(default=0.1, ge=0, le=1)
    """How far apart the same answer's two scores may be (quality, 0-1)."""
    batch: bool = False
    """Send answers and judgments of models whose provider is in ``batch_providers``
    through the gateway's OpenAI Batch API (/v1/files, /v1/batches); others run online."""
    batch_providers: list[str] = Field(default_factory=lambda: ["openai"])
    """Providers whose batches go through the gateway (its batch routes pass the OpenAI
    format through for these)."""
    batch_discount: float = Field(default=0.5, ge=0, le=1)
    """Share of the standard price a batch answer costs when genai-prices has no batch
    price for the model (OpenAI's and Anthropic's batch APIs cost half)."""
    batch_poll_seconds: float = Field(default=30.0, gt=0)
    """Seconds between looks at a submitted batch's status."""
    batch_window: str = "24h"
    """The completion window asked of the provider; a batch not done by then expires."""
    export_poll_seconds: float = Field(default=2.0, gt=0)
    """``import --from-portkey``: seconds between looks at the export's status."""
    export_timeout_seconds: float = Field(default=1800.0, gt=0)
    """``import --from-portkey``: give up on an export still running after this long."""
    weights: Weights = Field(default_factory=Weights)
    max_tokens: int = Field(default=1024, ge=1)
    """Answer length cap sent with every candidate request (Anthropic needs one)."""
    temperature: float = Field(default=0.0, ge=0, le=2)
    judge_max_tokens: int = Field(default=400, ge=16)
    judge_attempts: int = Field(default=3, ge=1, le=10)
    """How many times the judge may try to produce a valid ScoreTool before unscored."""
    judge_mode: JudgeMode = "pointwise"
    """pointwise: each answer scored on the rubric; pairwise: each candidate answer
    compared with the baseline's, in both orders (a verdict that flips is a tie)."""
    judge_samples: int = Field(default=1, ge=1, le=10)
    """Pointwise: judge each answer this many times; the score is their mean and
    their spread is reported. Samples differ only at a judge temperature above 0
    (default 0.7 when samples > 1, unless the judge model sets its own)."""
    retries: int = Field(default=2, ge=0, le=10)
    """Retries of a call that failed with 408/409/429/5xx, a timeout or a dropped
    connection: exponential backoff with jitter, honouring retry-after. The OpenAI
    client is the only retry layer (not Langroid, not the gateway)."""
    timeout: float = Field(default=120.0, gt=0)
    """Seconds before one provider call is given up."""
    max_cost: float | None = Field(default=None, gt=0)
    """Spending limit in USD for one invocation (answers + judge); None: no limit."""
    cache: bool = True
    """Reuse stored answers and judgments for identical requests (no call, no cost)."""
    portkey_cache: dict[str, Any] | None = None
    portkey_metadata: dict[str, str] = Field(default_factory=dict)
    """Your own Portkey metadata on every call (e.g. team, app, environment), merged with
    ``PORTKEY_METADATA`` and whichmodel's keys (run_id, prompt_id, model, role)."""
    trace_prefix: str | None = None
    """Put before every call's trace id (default: ``PORTKEY_TRACE_ID`` when set)."""
    """Portkey cache config, e.g. ``{"mode": "simple"}`` (on gateways that have a cache)."""
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    models: dict[str, ModelSettings] = Field(default_factory=dict)
    """Per-model settings keyed by the full model string."""
    prices: dict[str, PriceOverride] = Field(default_factory=dict)
    """Per-model price overrides keyed by the full model string."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE)
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )

    def model_settings(self, model: str) -> ModelSettings:
        return self.models.get(model, ModelSettings())

    @property
    def rule(self) -> Rule:
        return Rule.of(self)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``config`` (or ``$WHICHMODEL_CONFIG`` / ``./whichmodel.toml``),
    the environment, and ``overrides`` (``None`` values are ignored)."""
    given = {k: v for k, v in overrides.items() if v is not None and v != [] and v != ()}
    previous = os.environ.get(CONFIG_FILE_ENV)
    if config is not None:
        if not Path(config).is_file():
            raise ConfigError(f"Config file {config} not found: check the --config path.")
        os.environ[CONFIG_FILE_ENV] = str(config)
    try:
        return Settings(**given)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        raise ConfigError(
            f"Invalid setting {where}: {err['msg']} (check whichmodel.toml, "
            f"WHICHMODEL_* variables and command options)."
        ) from None
    except Exception as exc:  # a TOML syntax error
        raise ConfigError(f"Cannot read the config file: {exc}.") from None
    finally:
        if config is not None:
            if previous is None:
                os.environ.pop(CONFIG_FILE_ENV, None)
            else:
                os.environ[CONFIG_FILE_ENV] = previous


def default(name: str) -> Any:
    """The default of setting ``name``: every other module asks here, so each default
    is written once, in the field above."""
    field = Settings.model_fields[name]
    return field.get_default(call_default_factory=True)


def redacted(settings: Settings) -> dict[str, Any]:
    """Settings as stored with a run and shown in reports: configured headers keep their
    names, never their values (a header may carry a key wherever it is configured);
    virtual keys are removed and URLs lose any user:password."""
    data = settings.model_dump(mode="json")
    for table in ("providers", "models"):
        for entry in (data.get(table) or {}).values():
            headers = entry.get("custom_headers") or {}
            entry["custom_headers"] = dict.fromkeys(headers, "<redacted>")
            if entry.get("virtual_key"):
                entry["virtual_key"] = "<redacted>"
            if entry.get("base_url"):
                entry["base_url"] = _without_credentials(entry["base_url"])
    return data


def _without_credentials(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))
