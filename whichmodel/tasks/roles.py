"""Who plays which part in a run, checked before any call: the baseline, the
candidates, the judge and its mode, each model string parsed once; and the price of
each model (known or not, from where)."""

from __future__ import annotations

from dataclasses import dataclass, field

from whichmodel.config import JudgeMode, Settings
from whichmodel.errors import ConfigError
from whichmodel.portkey.wire import ModelRef, parse_model
from whichmodel.records.verdict import PriceInfo
from whichmodel.results.decide import fresh_key
from whichmodel.verdict.pricing import (
    Usage,
    batch_cost,
    cost_of,
    is_price_known,
    price_source_label,
)


@dataclass
class Roles:
    baseline: str
    candidates: list[str]
    judge: str
    mode: JudgeMode
    refs: dict[str, ModelRef] = field(default_factory=dict)
    """Every model of the run, parsed once."""

    @property
    def models(self) -> list[str]:
        """The models that answer: the baseline first, then the candidates."""
        return [self.baseline, *[c for c in self.candidates if c != self.baseline]]

    @property
    def pairwise(self) -> bool:
        return self.mode == "pairwise"

    @property
    def fresh(self) -> str:
        """The key of the baseline's fresh answers in a drift check (the baseline itself
        answered from history)."""
        return fresh_key(self.baseline)

    def priced_as(self, model: str) -> str:
        return self.baseline if model == self.fresh else model


def check_roles(settings: Settings, *, local_candidates: bool = False) -> Roles:
    """Every model string is checked before any call is made (``local_candidates``:
    candidates served from local files join later, so none need be named yet)."""
    if not settings.baseline:
        raise ConfigError("No baseline model: pass --baseline portkey/<provider>/<model>.")
    if not settings.candidates and not local_candidates:
        raise ConfigError("No candidate model: pass --candidate portkey/<provider>/<model>.")
    if not settings.judge:
        raise ConfigError("No judge model: pass --judge portkey/<provider>/<model>.")
    models = [settings.baseline, *settings.candidates, settings.judge]
    refs = {m: parse_model(m, settings) for m in models}
    refs[fresh_key(settings.baseline)] = refs[settings.baseline]
    return Roles(
        settings.baseline,
        list(dict.fromkeys(settings.candidates)),
        settings.judge,
        settings.judge_mode,
        refs,
    )


class Prices:
    """The price of each model of a run: a ``[prices]`` override from the config, else
    genai-prices; unknown prices stay unknown (None), never $0."""

    def __init__(self, roles: Roles, settings: Settings):
        self.roles = roles
        self.settings = settings
        self.info = {m: self._info(m) for m in [*roles.models, roles.judge]}

    def _info(self, model: str) -> PriceInfo:
        ref = self.roles.refs[model]
        override = self.settings.prices.get(model)
        if override is not None:
            return PriceInfo(True, f"config: {override.note}")
        known = is_price_known(ref.provider, ref.name)
        return PriceInfo(known, price_source_label() if known else "unknown")

    def cost(self, model: str, usage: Usage, batch: bool = False) -> tuple[float | None, str]:
        """USD and the price's source; ``batch``: at the provider's batch price."""
        ref = self.roles.refs[model]
        override = self.settings.prices.get(self.roles.priced_as(model))
        if batch:
            cost = batch_cost(ref.provider, ref.name, usage, override, self.settings.batch_discount)
        else:
            cost = cost_of(ref.provider, ref.name, usage, override)
        return cost.usd, cost.source

    def batch_factor(self, model: str) -> float:
        """What a batch answer of ``model`` costs, as a share of the standard price."""
        usage = Usage(1_000_000, 0, 1_000_000)
        standard, _ = self.cost(model, usage)
        batch, _ = self.cost(model, usage, batch=True)
        return batch / standard if standard and batch is not None else 1.0

    def unknown(self) -> list[str]:
        return [m for m, p in self.info.items() if not p.known]

    def as_stored(self) -> dict[str, dict[str, object]]:
        """What the run row keeps, so its verdict can be recomputed from the database."""
        return {m: {"known": p.known, "source": p.source} for m, p in self.info.items()}
