"""What a run may cost: an estimate before it starts, and the spending limit
(``--max-cost``) kept while it runs: no call starts that could pass it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from whichmodel.config import Settings
from whichmodel.errors import ConfigError
from whichmodel.records.runs import Prompt
from whichmodel.tasks.roles import Prices, Roles
from whichmodel.verdict.pricing import Usage

JUDGE_OVERHEAD_TOKENS = 800
"""Input tokens of the judge's rubric, tool instructions and reference, roughly."""
CHARS_PER_TOKEN = 3


class Estimator:
    def __init__(self, settings: Settings, roles: Roles, prices: Prices):
        self.settings = settings
        self.roles = roles
        self.prices = prices

    def job(self, prompt: Prompt, model: str) -> tuple[float, float]:
        """Upper-bound-style cost of one (prompt, model) job: (answer, judgment), in USD.
        Input tokens from the text length, output at the caps."""
        text_tokens = len(json.dumps(prompt.messages)) // CHARS_PER_TOKEN + 50
        cap = self.settings.model_settings(model).max_tokens or self.settings.max_tokens
        answer = self.prices.cost(model, Usage(text_tokens, 0, cap))[0]
        judge_in = text_tokens + cap + JUDGE_OVERHEAD_TOKENS
        judge_usage = Usage(judge_in, 0, self.settings.judge_max_tokens)
        judgment = self.prices.cost(self.roles.judge, judge_usage)[0]
        if self.roles.pairwise:
            # both orders, each showing two answers; nothing for the baseline itself
            judgment = 0.0 if model == self.roles.baseline else 2 * 1.5 * (judgment or 0.0)
        else:
            judgment = self.settings.judge_samples * (judgment or 0.0)
        return answer or 0.0, judgment

    def run(self, prompts: Iterable[Prompt]) -> tuple[float, float]:
        """(candidates, judge) estimated cost of evaluating ``prompts`` (read once)."""
        answers = judgments = 0.0
        for prompt in prompts:
            for model in self.roles.models:
                answer, judgment = self.job(prompt, model)
                answers += answer
                judgments += judgment
        return answers, judgments


def check_budget_prices(settings: Settings, prices: Prices) -> None:
    """A spending limit needs every price: say so before anything starts."""
    unknown = prices.unknown()
    if settings.max_cost is not None and unknown:
        raise ConfigError(
            f"--max-cost needs a price for every model; unknown: {', '.join(unknown)}. "
            "Set [prices] in whichmodel.toml."
        )


@dataclass
class Budget:
    """The spending limit of one session of a run (None: no limit)."""

    limit: float | None
    spent: float = 0.0
    reserved: float = 0.0
    stopped: bool = False

    def reserve(self, amount: float) -> bool:
        """Reserve ``amount`` for a call about to start; False (and stopped) when it could
        pass the limit: calls in flight finish, no new one starts."""
        if self.limit is None:
            return True
        if self.stopped or self.spent + self.reserved + amount > self.limit:
            self.stopped = True
            return False
        self.reserved += amount
        return True

    def settle(self, reserved: float, paid: float) -> None:
        if self.limit is not None:
            self.reserved -= reserved
            self.spent += paid
