"""``portkey/<provider>/<model>`` -> one Langroid ``OpenAIGPTConfig`` (the only factory).

Its HTTP clients' event hooks put each call's tags (``context``) on the outgoing request
and record the gateway's response headers and the answer as sent.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whichmodel.config import (
    DEFAULT_CONTEXT_LENGTH,
    Settings,
    debug_enabled,
    portkey_base_url,
    portkey_custom_headers,
    provider_key,
)
from whichmodel.errors import ConfigError
from whichmodel.portkey.context import current_call, read_reply, request_tags
from whichmodel.portkey.exchange import exchange_transport

if TYPE_CHECKING:
    from langroid.language_models.openai_gpt import OpenAIGPTConfig

STRICT_COMPLIANCE = "x-portkey-strict-open-ai-compliance"
RECORDED_RESPONSE_HEADERS = (
    "x-portkey-retry-attempt-count",
    "x-portkey-last-used-option-index",
    "x-portkey-provider",
    "x-portkey-trace-id",
    "x-portkey-cache-status",
)

# Provider slugs the Portkey gateway routes to (its `x-portkey-provider` values).
KNOWN_PROVIDERS = frozenset(
    """openai anthropic google vertex-ai azure-openai azure-ai bedrock mistral-ai groq
    cohere together-ai fireworks-ai deepseek perplexity-ai openrouter ollama x-ai cerebras
    ai21 anyscale huggingface deepinfra novita-ai sambanova nebius nscale lambda
    workers-ai palm predibase moonshot zhipu dashscope lingyi siliconflow hyperbolic
    stability-ai segmind jina voyage nomic reka-ai monsterapi triton lepton""".split()
)

NOT_FORWARDED = {"anthropic": ("response_format", "seed")}
"""Request fields the gateway's translation for a provider leaves out (measured on the
open-source gateway 1.15: an Anthropic-route call goes without them)."""
_MODEL_RE = re.compile(r"^portkey/(?P<provider>[a-z0-9][a-z0-9._-]*)/(?P<model>\S+)$")


@dataclass(frozen=True)
class ModelRef:
    provider: str
    name: str

    @property
    def full(self) -> str:
        return f"portkey/{self.provider}/{self.name}"

    def __str__(self) -> str:
        return self.full


def parse_model(model: str | ModelRef, settings: Settings | None = None) -> ModelRef:
    """Check a model string before any call is made; raise ``ConfigError`` if malformed."""
    if isinstance(model, ModelRef):
        return model
    match = _MODEL_RE.match(model.strip())
    if match is None:
        raise ConfigError(
            f"Model {model!r} is not of the form portkey/<provider>/<model>, "
            "e.g. portkey/openai/gpt-4o-mini."
        )
    ref = ModelRef(match["provider"], match["model"])
    configured = set(settings.providers) if settings else set()
    if ref.provider not in KNOWN_PROVIDERS and ref.provider not in configured:
        raise ConfigError(
            f"Unknown provider {ref.provider!r} in {model!r}: use a Portkey provider slug "
            f"such as openai, anthropic, google, or add [providers.{ref.provider}] "
            "to whichmodel.toml."
        )
    return ref


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verified TLS context for every client: loading the CA bundle costs ~25 ms
    of CPU, and each agent would otherwise load it twice (sync and async client)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


def _is_chat_answer(response: Any) -> bool:
    return (
        response.status_code == 200
        and response.request.url.path.endswith("/chat/completions")
        and "json" in response.headers.get("content-type", "")
    )


def _http_clients(timeout: float) -> tuple[Any, Any]:
    from langroid.language_models.httpx_compat import import_httpx

    httpx = import_httpx()

    def on_request(request: Any) -> None:
        ctx = current_call()
        if ctx is not None:
            ctx.attempts += 1
        for key, value in request_tags(dict(request.headers)).items():
            request.headers[key] = value

    def on_response(response: Any) -> None:
        ctx = current_call()
        if ctx is None:
            return
        ctx.status_code = response.status_code
        for key in RECORDED_RESPONSE_HEADERS:
            if key in response.headers:
                ctx.response_headers[key] = response.headers[key]

    def on_response_read(response: Any) -> None:
        on_response(response)
        ctx = current_call()
        if ctx is not None and _is_chat_answer(response):
            response.read()
            read_reply(ctx, response.content)

    async def aon_request(request: Any) -> None:
        on_request(request)

    async def aon_response(response: Any) -> None:
        on_response(response)
        ctx = current_call()
        if ctx is not None and _is_chat_answer(response):
            await response.aread()
            read_reply(ctx, response.content)

    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    sync_client = httpx.Client(
        timeout=timeout,
        limits=limits,
        verify=_tls_context(),
        event_hooks={"request": [on_request], "response": [on_response_read]},
    )
    # a transport given to the client replaces its own: limits and TLS go on it
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=_tls_context())
    async_client = httpx.AsyncClient(
        timeout=timeout,
        transport=exchange_transport(transport),
        event_hooks={"request": [aon_request], "response": [aon_response]},
    )
    # requests to a proxied URL (HTTP_PROXY and friends) go through the proxy's own
    # transport: it serves batch captures and replays too, so none escapes to the network
    async_client._mounts = {
        pattern: exchange_transport(mounted) if mounted is not None else None
        for pattern, mounted in async_client._mounts.items()
    }
    return sync_client, async_client


# ---------------------------------------------------------------- the factory


def gateway_url(ref: ModelRef, settings: Settings) -> str:
    model = settings.models.get(ref.full)
    if model and model.base_url:
        return model.base_url.rstrip("/")
    provider = settings.providers.get(ref.provider)
    if provider and provider.base_url:
        return provider.base_url.rstrip("/")
    return portkey_base_url()


def configured_headers(ref: ModelRef, settings: Settings) -> dict[str, str]:
    """The headers the user configured for a model, names lower-cased: the environment's
    ``PORTKEY_CUSTOM_HEADERS``, then the provider's ``custom_headers``, then the model's
    (each wins over the one before). The one place these are merged."""
    headers: dict[str, str] = {}
    try:
        env = json.loads(portkey_custom_headers() or "{}")
    except ValueError:
        env = {}  # said in one line by preflight.check_portkey_env before any call
    if isinstance(env, dict):
        headers.update({str(k).lower(): str(v) for k, v in env.items()})
    provider = settings.providers.get(ref.provider)
    if provider:
        headers.update({k.lower(): v for k, v in provider.custom_headers.items()})
    headers.update(
        {k.lower(): v for k, v in settings.model_settings(ref.full).custom_headers.items()}
    )
    return headers


def portkey_config(
    settings: Settings, retry: dict[str, Any] | None = None, cache: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``x-portkey-config`` body: how the gateway is told about cache (and about
    retries only when a user configures gateway retries themselves, PORTKEY_RETRY;
    whichmodel's own retries are the client's, see ``harden_llm``)."""
    config: dict[str, Any] = {}
    if retry:
        config["retry"] = retry
    cache = cache if cache is not None else settings.portkey_cache
    if cache:
        config["cache"] = cache
    return config


def llm_config(
    model: str | ModelRef,
    settings: Settings,
    *,
    max_tokens: int | None = None,
    temperature: float | None = None,
    extra_body: dict[str, Any] | None = None,
) -> OpenAIGPTConfig:
    """Build the Langroid LLM config for ``model`` with every Portkey setting applied.

    Exactly one retry layer, the OpenAI client's (``harden_llm``, once the LLM exists;
    whichmodel's agents call it): Langroid's retry decorator is switched off here and
    the gateway is given no retry config.
    """
    from langroid.language_models.base import RetryParams
    from langroid.language_models.openai_gpt import OpenAICallParams, OpenAIGPTConfig
    from langroid.language_models.provider_params import PortkeyParams

    ref = parse_model(model, settings)
    provider = settings.providers.get(ref.provider)
    per_model = settings.model_settings(ref.full)
    _quiet_model_info()

    # PortkeyParams reads PORTKEY_API_KEY / PORTKEY_VIRTUAL_KEY / ... itself.
    params = PortkeyParams(provider=ref.provider, base_url=gateway_url(ref, settings))
    # the user's own tags on every call (merged per call with whichmodel's, see
    # request_tags); PortkeyParams has already read PORTKEY_TRACE_ID/_METADATA
    params.metadata = {**(params.metadata or {}), **settings.portkey_metadata} or None
    params.trace_id = settings.trace_prefix or params.trace_id
    headers = configured_headers(ref, settings)
    if provider and provider.virtual_key:
        params.virtual_key = provider.virtual_key
    model_headers = {k.lower() for k in per_model.custom_headers}
    if provider and provider.strict_openai_compliance is not None:
        if STRICT_COMPLIANCE not in model_headers:
            headers[STRICT_COMPLIANCE] = str(provider.strict_openai_compliance).lower()
    if ref.provider == "anthropic" and STRICT_COMPLIANCE not in headers:
        # Strict compliance maps Anthropic's stop_reason "refusal" to "stop", hiding the
        # provider's own refusal signal from the refusal detector.
        headers[STRICT_COMPLIANCE] = "false"
    # Langroid would send these as x-portkey-retry / x-portkey-cache, which the
    # open-source gateway ignores; they go into x-portkey-config instead.
    pk_config = portkey_config(settings, params.retry, params.cache)
    params.retry = None
    params.cache = None
    if pk_config:
        headers["x-portkey-config"] = json.dumps(pk_config, separators=(",", ":"))
    params.custom_headers = headers

    api_key = None
    if provider and provider.api_key_env:
        api_key = provider_key(provider.api_key_env)

    extra = {**per_model.params, **(extra_body or {})}
    call_params = OpenAICallParams(extra_body=extra) if extra else None

    config = OpenAIGPTConfig(
        chat_model=ref.full,
        portkey_params=params,
        max_output_tokens=max_tokens or per_model.max_tokens or settings.max_tokens,
        chat_context_length=per_model.context_length or DEFAULT_CONTEXT_LENGTH,
        temperature=(
            temperature
            if temperature is not None
            else per_model.temperature
            if per_model.temperature is not None
            else settings.temperature
        ),
        timeout=int(settings.timeout),
        stream=False,
        cache_config=None,
        use_cached_client=False,
        retry_params=RetryParams(max_retries=0),
        http_client_factory=lambda: _http_clients(settings.timeout),
        params=call_params,
        **({"api_key": api_key} if api_key else {}),
    )
    return config


def _quiet_model_info() -> None:
    """Langroid warns "Unknown model info ... using fallback defaults" once for every model
    it does not know (local and most gateway names): the context length is set here, so
    the warning only fills the terminal. Shown with WHICHMODEL_DEBUG."""
    if not debug_enabled():
        logging.getLogger("langroid.language_models.model_info").setLevel(logging.ERROR)


def harden_llm(llm: Any, retries: int) -> None:
    """Make the OpenAI client the one retry layer, with ``retries`` retries.

    The client retries 408, 409, 429 and 5xx answers, timeouts and dropped
    connections, waiting as the provider's ``retry-after`` says (up to 60 s; the
    gateway passes the header through), else backing off exponentially from 0.5 s
    to 8 s with jitter. Each attempt has the configured timeout."""
    for attr in ("client", "async_client"):
        client = getattr(llm, attr, None)
        if client is not None and hasattr(client, "with_options"):
            setattr(llm, attr, client.with_options(max_retries=retries))
    if callable(getattr(llm, "info", None)):
        # the model's info depends only on the config: Langroid looks it up by name
        # several times per call (costs, parameters), ~0.2 ms of CPU per call
        info = llm.info()
        llm.info = lambda: info
