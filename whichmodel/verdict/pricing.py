"""Usage -> US dollars, from genai-prices or a per-model override in config.

A model no price list knows gets ``known=False`` and no number: the report shows
"unknown" and leaves it out of cost comparisons. It is never counted as $0.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

from whichmodel.config import PriceOverride

# Portkey provider slugs that genai-prices knows under another id.
PORTKEY_TO_GENAI_PRICES = {
    "azure-openai": "azure",
    "bedrock": "aws",
    "vertex-ai": "google",
    "mistral-ai": "mistral",
    "together-ai": "together",
    "fireworks-ai": "fireworks",
    "perplexity-ai": "perplexity",
    "x-ai": "x_ai",
}


@dataclass(frozen=True)
class Usage:
    """Tokens of one call. ``input_tokens`` counts every input token, cache reads included."""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
        )


@dataclass(frozen=True)
class Cost:
    usd: float | None
    """None when the price is unknown."""
    source: str
    """Where the price came from, e.g. ``genai-prices 0.2.3`` or ``config: illustrative``."""

    @property
    def known(self) -> bool:
        return self.usd is not None


def normalize_usage(
    provider: str,
    prompt_tokens: int | None,
    cached_tokens: int | None,
    completion_tokens: int | None,
) -> Usage:
    """OpenAI-shaped usage (as the gateway returns it) -> our ``Usage``.

    OpenAI's ``prompt_tokens`` already include cached tokens; Anthropic's
    ``input_tokens`` (mapped to ``prompt_tokens`` by the gateway) exclude cache reads.
    """
    prompt = prompt_tokens or 0
    cached = cached_tokens or 0
    if provider == "anthropic":
        prompt += cached
    return Usage(input_tokens=prompt, cached_tokens=cached, output_tokens=completion_tokens or 0)


@lru_cache(maxsize=1)
def genai_prices_version() -> str:
    from importlib.metadata import version

    return version("genai-prices")


def price_source_label() -> str:
    return f"genai-prices {genai_prices_version()}"


def _override_cost(usage: Usage, price: PriceOverride) -> float:
    cache_price = price.cache_read_mtok if price.cache_read_mtok is not None else price.input_mtok
    uncached = max(usage.input_tokens - usage.cached_tokens, 0)
    return (
        uncached * price.input_mtok
        + usage.cached_tokens * cache_price
        + usage.output_tokens * price.output_mtok
    ) / 1_000_000


@lru_cache(maxsize=4096)
def _genai_price(provider: str, model: str, usage: Usage, batch: bool = False) -> float | None:
    from genai_prices import Usage as GUsage
    from genai_prices import calc_price

    provider_id = PORTKEY_TO_GENAI_PRICES.get(provider, provider) or None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = calc_price(
                GUsage(
                    input_tokens=usage.input_tokens,
                    cache_read_tokens=usage.cached_tokens,
                    output_tokens=usage.output_tokens,
                ),
                model,
                provider_id=provider_id,
                **({"price_context": {"processing": "batch"}} if batch else {}),
            )
    except LookupError:
        return None
    return float(result.total_price)


def cost_of(provider: str, model: str, usage: Usage, override: PriceOverride | None = None) -> Cost:
    """The cost of ``usage`` on ``provider``/``model``; an override in config wins."""
    if override is not None:
        return Cost(_override_cost(usage, override), f"config: {override.note}")
    usd = _genai_price(provider, model, usage)
    return Cost(usd, price_source_label() if usd is not None else "unknown")


def batch_cost(
    provider: str,
    model: str,
    usage: Usage,
    override: PriceOverride | None,
    discount: float,
) -> Cost:
    """The cost of ``usage`` answered in a batch: genai-prices' batch price where it has
    one (it falls back to the standard price silently, so a batch price equal to the
    standard one counts as missing); else the standard price times ``discount``, and the
    source says so."""
    if override is None:
        standard = _genai_price(provider, model, usage)
        batch = _genai_price(provider, model, usage, True)
        if standard is not None and batch is not None and (batch < standard or not standard):
            return Cost(batch, f"{price_source_label()} batch price")
    else:
        standard = _override_cost(usage, override)
    if standard is None:
        return Cost(None, "unknown")
    where = f"config: {override.note}" if override is not None else price_source_label()
    return Cost(
        standard * discount,
        f"{where} x {discount:g} (batch_discount: no batch price known for {model})",
    )


def is_price_known(provider: str, model: str, override: PriceOverride | None = None) -> bool:
    return override is not None or _genai_price(provider, model, Usage(1, 0, 1)) is not None
