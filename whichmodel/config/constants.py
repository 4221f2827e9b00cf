"""The defaults and fixed values that are not settings: file names, ports, the hosted
gateway, the judge's sampling temperature. Each is written here once."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE_ENV = "WHICHMODEL_CONFIG"
DEFAULT_CONFIG_FILE = "whichmodel.toml"
DEFAULT_DB = Path("whichmodel.db")
HOSTED_PORTKEY_URL = "https://api.portkey.ai"
"""Where calls go when neither ``PORTKEY_BASE_URL`` nor a provider's ``base_url`` is set."""
DEFAULT_CONTEXT_LENGTH = 128_000
DEMO_DB = Path("whichmodel-demo.db")
"""The database `whichmodel demo` writes."""
DEMO_OUTPUT = Path("demo-recommendation.json")
"""Where `whichmodel demo` writes its recommendation."""
SERVE_HOST = "127.0.0.1"
"""Where `whichmodel serve` listens (beyond loopback needs a token)."""
SERVE_PORT = 8080
GATEWAY_PORT = 8787
"""The port `whichmodel gateway start` gives the local gateway."""
ROUTE_BY = "category"
"""What a per-group routing config routes on: the prompts' category (or a metadata key)."""
SAMPLED_JUDGE_TEMPERATURE = 0.7
"""Judge temperature when each answer is judged several times and the judge model sets
none: identical samples would measure nothing."""
DEFAULT_CANARY_SHARE = 0.1
"""Share of the traffic a canary config sends to the recommended model."""
SECRET_HINTS = ("key", "auth", "token", "secret", "password")
"""Header names containing one of these carry credentials: never written to a config."""
