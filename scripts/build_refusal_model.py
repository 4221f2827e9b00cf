"""Fit the refusal classifier's shipped weights on labelled completions.

The weights in whichmodel/data/refusal_model.json are this script's fit on XSTest's
human-labelled completions of five models (gpt4, llama2new, llama2orig, mistralguard,
mistralinstruct): Röttger et al., "XSTest: A Test Suite for Identifying Exaggerated Safety
Behaviours in Large Language Models" (NAACL 2024), CC BY 4.0, paul-rottger/exaggerated-safety.

Run with: python scripts/build_refusal_model.py [DIR]
(DIR holds completions_<model>.csv; default: ../shared/datasets/xstest beside the repository.)
Writes whichmodel/data/refusal_model.json. Its figure on models it was not fitted on:
whichmodel refusal-check --cross-validate DIR/completions_*.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whichmodel.refusal import classifier  # noqa: E402
from whichmodel.refusal.measure import read_labelled  # noqa: E402

OUT = ROOT / "whichmodel" / "data" / "refusal_model.json"
DEFAULT = ROOT.parent / "shared" / "datasets" / "xstest"


def main(folder: Path) -> None:
    files = sorted(folder.glob("completions_*.csv"))
    if not files:
        raise SystemExit(
            f"No completions_*.csv in {folder}; pass the folder of XSTest's labelled "
            "completions: python scripts/build_refusal_model.py DIR"
        )
    rows = [row for f in files for row in read_labelled(f)]
    model = classifier.fit(
        [text for text, _ in rows], [label != "compliance" for _, label in rows]
    )
    OUT.write_text(json.dumps(model.to_json(), separators=(",", ":"), sort_keys=True) + "\n")
    names = ", ".join(f.stem.removeprefix("completions_") for f in files)
    print(
        f"fitted on {len(rows)} completions ({names}); wrote {OUT} ({OUT.stat().st_size:,} bytes)"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
