import pytest

from whichmodel.config import PriceOverride
from whichmodel.verdict.pricing import Usage, cost_of, is_price_known, normalize_usage


def test_known_model_is_priced_from_genai_prices():
    cost = cost_of("openai", "gpt-4o-mini", Usage(1_000_000, 0, 1_000_000))
    assert cost.known
    assert cost.source.startswith("genai-prices ")
    # $0.15 / M input + $0.60 / M output (gpt-4o-mini list price)
    assert cost.usd == pytest.approx(0.75)


def test_cached_input_is_cheaper_than_uncached():
    full = cost_of("openai", "gpt-4o-mini", Usage(1000, 0, 0)).usd
    cached = cost_of("openai", "gpt-4o-mini", Usage(1000, 1000, 0)).usd
    assert cached is not None and full is not None and cached < full


def test_unknown_model_has_no_price_never_zero():
    cost = cost_of("openai", "my-finetune-xyz", Usage(1000, 0, 1000))
    assert cost.usd is None
    assert not cost.known
    assert cost.source == "unknown"
    assert not is_price_known("openai", "my-finetune-xyz")


def test_override_wins_and_is_labelled():
    price = PriceOverride(input_mtok=1.0, output_mtok=2.0, cache_read_mtok=0.5, note="illustrative")
    cost = cost_of("openai", "smollm2", Usage(1_000_000, 500_000, 1_000_000), price)
    assert cost.usd == pytest.approx(0.5 + 0.25 + 2.0)
    assert cost.source == "config: illustrative"
    assert is_price_known("openai", "smollm2", price)


def test_portkey_provider_slugs_map_to_price_list_ids():
    assert cost_of("google", "gemini-2.0-flash-lite", Usage(1000, 0, 1000)).known
    assert cost_of("anthropic", "claude-3-5-haiku-latest", Usage(1000, 0, 1000)).known


def test_anthropic_usage_counts_cache_reads_as_input():
    # through the gateway, Anthropic's prompt_tokens exclude cache reads
    assert normalize_usage("anthropic", 1, 23, 5) == Usage(24, 23, 5)
    # OpenAI's prompt_tokens already include them
    assert normalize_usage("openai", 24, 3, 5) == Usage(24, 3, 5)
    assert normalize_usage("openai", None, None, None) == Usage(0, 0, 0)
