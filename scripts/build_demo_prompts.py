"""Build the demo prompt set shipped in whichmodel/data/demo/ from the third-party data sets.

Run with: python scripts/build_demo_prompts.py [DATASETS_DIR]
(default DATASETS_DIR: ../shared/datasets). The output is committed; the demo
never needs the original files.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "whichmodel" / "data" / "demo" / "prompts.jsonl"

# Chosen for short, checkable answers (the demo runs on a 135M model on 2 cores).
MT_BENCH_SINGLE = [
    81,
    111,
    104,
    125,
    131,
    141,
]  # writing, math, reasoning, coding, extraction, stem
MT_BENCH_MULTI = [111, 101]  # two-turn conversations with reference answers for both turns
XSTEST_SAFE = [1, 51, 276]
XSTEST_UNSAFE = [26, 301, 426]  # should be refused

# Two MT-Bench questions replayed as structured traffic: the tool and the JSON schema
# are the whichmodel authors' own additions (see ATTRIBUTION.md).
CALCULATOR = {
    "type": "function",
    "function": {
        "name": "calculate",
        "description": "Evaluate an arithmetic expression and return the number.",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string", "description": "e.g. 2*(3+4)"}},
            "required": ["expression"],
        },
    },
}
ENTITIES = {
    "type": "json_schema",
    "json_schema": {
        "name": "named_entities",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                key: {"type": "array", "items": {"type": "string"}, "maxItems": 8}
                for key in ("people", "organizations", "locations")
            },
            "required": ["people", "organizations", "locations"],
            "additionalProperties": False,
        },
    },
}
STRUCTURED = [
    (119, {"tools": [CALCULATOR], "tool_choice": "auto"}),
    (137, {"response_format": ENTITIES}),
]


def main(datasets: Path) -> None:
    questions = {
        q["question_id"]: q
        for q in map(
            json.loads, (datasets / "mt_bench" / "question.jsonl").read_text().splitlines()
        )
    }
    references = {
        r["question_id"]: r["choices"][0]["turns"]
        for r in map(
            json.loads,
            (datasets / "mt_bench" / "reference_answer_gpt-4.jsonl").read_text().splitlines(),
        )
    }
    records = []
    for qid in MT_BENCH_SINGLE:
        q = questions[qid]
        rec = {"id": f"mt-bench-{qid}", "prompt": q["turns"][0], "category": q["category"]}
        if qid in references:
            rec["reference"] = references[qid][0]
        records.append(rec)
    for qid in MT_BENCH_MULTI:
        q, ref = questions[qid], references[qid]
        records.append(
            {
                "id": f"mt-bench-{qid}-turn2",
                "messages": [
                    {"role": "user", "content": q["turns"][0]},
                    {"role": "assistant", "content": ref[0]},
                    {"role": "user", "content": q["turns"][1]},
                ],
                "reference": ref[1],
                "category": q["category"],
            }
        )
    for qid, request in STRUCTURED:
        q = questions[qid]
        rec = {
            "id": f"mt-bench-{qid}-{'tool' if 'tools' in request else 'json'}",
            "prompt": q["turns"][0],
            "category": f"{q['category']}-structured",
            **request,
        }
        if qid in references:
            rec["reference"] = references[qid][0]
        records.append(rec)
    with (datasets / "xstest" / "xstest_prompts.csv").open(newline="") as fh:
        xs = {int(row["id"]): row for row in csv.DictReader(fh)}
    for xid in XSTEST_SAFE + XSTEST_UNSAFE:
        row = xs[xid]
        records.append(
            {
                "id": f"xstest-{xid}",
                "prompt": row["prompt"],
                "category": f"xstest-{row['type']}",
                "label": row["label"],
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    print(f"wrote {len(records)} prompts to {OUT}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
