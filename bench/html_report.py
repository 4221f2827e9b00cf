"""Size and speed of the HTML report on a large run: 1,000 prompts x 5 models.

Run with: .venv/bin/python bench/html_report.py [--prompts 1000] [--keep DIR]
          [--png docs/chart.png]

Builds a database with synthetic rows written through the Store API (answers of
about 600 characters, five categories, scores with rationales, a few refusals and
failed calls, one model without a price), computes the recommendation the way a run
does, then prints the file size, the render time, the time Python's html.parser takes
to read it and, when /usr/bin/chromium exists, the time headless Chromium takes to load
it (with the time it takes to load an empty page, its own start-up, for comparison).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whichmodel.config import load_settings  # noqa: E402
from whichmodel.config import redacted as redacted_settings
from whichmodel.records.answers import AnswerRecord, ScoreRecord
from whichmodel.records.runs import Run
from whichmodel.results.decide import run_verdict  # noqa: E402
from whichmodel.store import Store  # noqa: E402

BASE = "portkey/openai/gpt-4o-mini"
# (model, cost per answer in USD or None when the price is unknown, mean quality,
#  refusal rate, error rate, median latency in ms)
MODELS = [
    (BASE, 0.00060, 0.82, 0.02, 0.002, 900),
    ("portkey/anthropic/claude-3-5-haiku-latest", 0.00190, 0.84, 0.04, 0.004, 1100),
    ("portkey/google/gemini-2.0-flash-lite", 0.00022, 0.80, 0.02, 0.003, 600),
    ("portkey/openai/gpt-4.1-nano", 0.00028, 0.74, 0.01, 0.002, 500),
    ("portkey/mistral/open-mistral-nemo", None, 0.77, 0.03, 0.010, 800),
]
JUDGE = "portkey/openai/gpt-4o"
CATEGORIES = ["coding", "math", "support", "summaries", "writing"]
WORDS = (
    "the a of to and in that is for it with as on be by this are from at or an can which "
    "model answer value result function data number step first then because however "
    "example customer order account return error check list table query sum total "
    "therefore we you should use each case would also more than other into only"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, chars: int) -> str:
    out = []
    while sum(len(s) + 1 for s in out) < chars:
        out.append(sentence(rng, rng.randint(6, 18)))
    return " ".join(out)


def build(path: Path, prompts: int, seed: int = 7) -> tuple[Store, str]:
    rng = random.Random(seed)
    store = Store(path)
    rows = []
    for i in range(prompts):
        cat = CATEGORIES[i % len(CATEGORIES)]
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": f"[{cat} #{i}] " + paragraph(rng, 200)},
                ],
                "category": cat,
                "label": "safe" if i % 10 else "unsafe",
                "id": f"hist-{i:05d}",
            }
        )
    _, ids = store.add_prompts(rows)
    # one price set in the config, as a team would for a model no price list knows
    prices = {MODELS[2][0]: {"input_mtok": 0.075, "output_mtok": 0.3, "note": "illustrative"}}
    settings = load_settings(
        baseline=BASE,
        candidates=[m for m, *_ in MODELS[1:]],
        judge=JUDGE,
        providers={"openai": {"base_url": "http://127.0.0.1:8787/v1"}},
        prices=prices,
    )
    run_id = "bench-html"
    store.create_run(
        Run(
            id=run_id,
            baseline=BASE,
            candidates=settings.candidates,
            judge=JUDGE,
            settings=redacted_settings(settings),
            prices={
                m: {
                    "known": m in prices or cost is not None,
                    "source": "config: illustrative"
                    if m in prices
                    else "genai-prices"
                    if cost
                    else "unknown",
                }
                for m, cost, *_ in MODELS
            },
        ),
        ids,
    )
    for pid in ids:
        difficulty = rng.gauss(0, 0.08)
        for model, cost, quality, refusal, error, latency in MODELS:
            failed = rng.random() < error
            refused = not failed and rng.random() < refusal
            text = (
                "I can't help with that request."
                if refused
                else paragraph(rng, int(rng.gauss(600, 150)))
            )
            store.save_response(
                AnswerRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    status="error" if failed else "ok",
                    text=None if failed else text,
                    error="HTTP 503: upstream overloaded (after 3 attempts)" if failed else None,
                    finish_reason=None if failed else "stop",
                    cost_usd=None if failed or cost is None else cost * rng.uniform(0.7, 1.3),
                    price_source="unknown"
                    if cost is None
                    else ("config: illustrative" if model in prices else "genai-prices"),
                    refused=int(refused),
                    refusal_reason="pattern: can't help" if refused else None,
                    refusal_kind="full" if refused else None,
                    latency_ms=None if failed else latency * rng.lognormvariate(0, 0.35),
                    output_tokens=None if failed else len(text) // 4,
                    input_tokens=80,
                )
            )
            if failed:
                continue
            q = max(0.0, min(1.0, (0.1 if refused else quality) + difficulty + rng.gauss(0, 0.06)))
            store.save_score(
                ScoreRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    judge=JUDGE,
                    status="scored",
                    quality=q,
                    accuracy=q,
                    relevance=min(1.0, q + 0.05),
                    clarity=max(0.0, q - 0.05),
                    refused=int(refused),
                    rationale=sentence(rng, 20),
                    cost_usd=0.0009,
                    price_source="genai-prices",
                )
            )
    rec = run_verdict(store, run_id)
    store.save_recommendation(rec)
    store.finish_run(run_id, "completed")
    return store, run_id


def chromium_seconds(chromium: str, url: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--dump-dom",
            url,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="Keep the database and HTML in this folder.")
    parser.add_argument("--png", type=Path, help="Also save the chart as this PNG file.")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="wm-html-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    for old in folder.glob("bench.db*"):
        old.unlink()
    start = time.perf_counter()
    store, run_id = build(db, args.prompts)
    print(
        f"database: {args.prompts:,} prompts x {len(MODELS)} models built in "
        f"{time.perf_counter() - start:.1f} s"
    )

    from whichmodel.records.verdict import Recommendation
    from whichmodel.report import html as html_report  # noqa: E402  (timed below, matplotlib included)
    from whichmodel.report.chart import chart_png
    from whichmodel.results.run_report import chart_data, run_report

    start = time.perf_counter()
    text = html_report.render_html(run_report(store, run_id))
    cold = time.perf_counter() - start
    start = time.perf_counter()
    text = html_report.render_html(run_report(store, run_id))
    warm = time.perf_counter() - start
    out = folder / "report.html"
    out.write_text(text, encoding="utf-8")
    print(f"HTML: {out} {out.stat().st_size / 1e6:.2f} MB")
    print(
        f"render: {warm:.2f} s (first render in the process, with matplotlib's start: {cold:.2f} s)"
    )

    start = time.perf_counter()
    parser_ = HTMLParser()
    parser_.feed(text)
    parser_.close()
    print(f"html.parser: {time.perf_counter() - start:.2f} s")

    chromium = "/usr/bin/chromium"
    if Path(chromium).exists():
        empty = folder / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
        base = min(chromium_seconds(chromium, empty.as_uri()) for _ in range(2))
        load = min(chromium_seconds(chromium, out.as_uri()) for _ in range(2))
        print(f"chromium --headless --dump-dom: {load:.2f} s (an empty page: {base:.2f} s)")
    else:
        print("chromium: skipped (no /usr/bin/chromium)")

    if args.png:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        rec = Recommendation.model_validate(store.recommendation(run_id))
        chart_png(chart_data(rec), args.png)
        print(f"chart: {args.png}")
    store.close()
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
