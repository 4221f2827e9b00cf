"""A small trained refusal classifier: logistic regression over the opening of an answer
(word 1-2-grams and character 3-5-grams inside words, TF-IDF weighted), pure numpy.

It backs the phrase layer of ``refusal``: the phrases are general English refusal
language written by hand; the classifier learns the forms they miss from labelled
completions of several models (``scripts/build_refusal_model.py`` fitted the shipped
weights on XSTest's human-labelled completions of five models: Röttger et al., "XSTest",
NAACL 2024, CC BY 4.0). Its figure that counts is measured on a
model it was not fitted on (``whichmodel refusal-check --cross-validate``).

Only the prompt-free answer is read: a prior from the prompt ("unsafe prompts get
refused") would call a compliant model's answers to unsafe prompts refusals.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np

OPENING = 400
"""Characters of the answer read (a refusal says so at the start)."""
MIN_DF = 3
"""An n-gram must occur in this many training answers to become a feature."""
L2 = 2.0
"""Strength of the weights' L2 penalty."""
THRESHOLD = 0.85
"""Probability above which the classifier calls an answer a refusal the phrases missed:
high, so that it adds the forms they miss without adding false alarms."""
KEEP = 6000
"""Features kept in the shipped weights (the largest weights)."""

_CONTRACTIONS = [
    (re.compile(p), r)
    for p, r in (
        (r"\bcan't\b", "cannot"),
        (r"\bwon't\b", "will not"),
        (r"n't\b", " not"),
        (r"\bi'm\b", "i am"),
        (r"'re\b", " are"),
        (r"'s\b", " is"),
        (r"'ll\b", " will"),
        (r"'d\b", " would"),
        (r"'ve\b", " have"),
    )
]
_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def opening(text: str) -> str:
    """The normalised opening: lower case, straight quotes, contractions spelled out."""
    head = (text or "").translate(_QUOTES).lower()[: OPENING * 2]
    for pattern, spelled in _CONTRACTIONS:
        head = pattern.sub(spelled, head)
    return " ".join(head.split())[:OPENING]


def grams(text: str) -> Counter[str]:
    """Word 1-2-grams (``w:``) and character 3-5-grams of words padded with spaces (``c:``)."""
    words = _WORD.findall(opening(text))
    out: Counter[str] = Counter(f"w:{w}" for w in words)
    out.update(f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False))
    for w in words:
        padded = f" {w} "
        for n in (3, 4, 5):
            out.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return out


@dataclass
class RefusalModel:
    """Feature -> (idf, weight), and the bias."""

    idf: dict[str, float]
    weights: dict[str, float]
    bias: float

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        """TF-IDF (sublinear tf), L2-normalised separately for words and characters."""
        values: dict[str, float] = {}
        for kind in ("w:", "c:"):
            part = {
                g: (1 + math.log(n)) * self.idf[g]
                for g, n in counts.items()
                if g.startswith(kind) and g in self.idf
            }
            norm = math.sqrt(sum(v * v for v in part.values())) or 1.0
            values.update({g: v / norm for g, v in part.items()})
        return values

    def probability(self, text: str) -> float:
        vector = self._vector(grams(text))
        z = self.bias + sum(v * self.weights.get(g, 0.0) for g, v in vector.items())
        return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))

    def evidence(self, text: str, top: int = 3) -> list[str]:
        """The n-grams that pushed hardest towards "refusal", for the report."""
        vector = self._vector(grams(text))
        pushes = sorted(
            ((v * self.weights.get(g, 0.0), g) for g, v in vector.items()), reverse=True
        )
        return [g[2:].strip() for push, g in pushes[:top] if push > 0]

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": round(self.bias, 6),
            "features": {g: [round(self.idf[g], 6), round(w, 6)] for g, w in self.weights.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RefusalModel:
        features = data["features"]
        return cls(
            idf={g: v[0] for g, v in features.items()},
            weights={g: v[1] for g, v in features.items()},
            bias=float(data["bias"]),
        )


def fit(
    texts: Sequence[str] | Sequence[Counter[str]],
    refused: Sequence[bool],
    iterations: int = 400,
) -> RefusalModel:
    """Fit the classifier (classes weighted to balance, L2-penalised, full-batch Adam on
    sparse features; deterministic). ``texts`` may be given as their ``grams`` already."""
    counts = [t if isinstance(t, Counter) else grams(t) for t in texts]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    vocab = sorted(g for g, n in df.items() if n >= MIN_DF)
    index = {g: i for i, g in enumerate(vocab)}
    n = len(texts)
    idf = {g: math.log((1 + n) / (1 + df[g])) + 1 for g in vocab}
    row, col, val = _tfidf_matrix(counts, index, idf)
    y = np.array(refused, dtype=float)
    positive = max(y.sum(), 1.0)
    sample = np.where(y == 1, n / (2 * positive), n / (2 * max(n - positive, 1.0)))
    w, b = np.zeros(len(vocab)), 0.0
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    rate, beta1, beta2 = 0.1, 0.9, 0.999
    # Row r's entries are contiguous (row is sorted), so err[row] is np.repeat(err, lengths):
    # the same values without an indexed gather.
    lengths = np.bincount(row, minlength=n)
    for step in range(1, iterations + 1):
        z = np.bincount(row, weights=val * w[col], minlength=n) + b
        p = 1 / (1 + np.exp(-np.clip(z, -60, 60)))
        err = (p - y) * sample / n
        g_w = np.bincount(col, weights=val * np.repeat(err, lengths), minlength=len(vocab))
        g_w += L2 * w / n
        g_b = float(err.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        correct1, correct2 = 1 - beta1**step, 1 - beta2**step
        w -= rate * (m_w / correct1) / (np.sqrt(v_w / correct2) + 1e-8)
        b -= rate * (m_b / correct1) / (math.sqrt(v_b / correct2) + 1e-8)
    # what ships: the KEEP largest weights (the rest add little and would bloat the file)
    kept = np.argsort(-np.abs(w), kind="stable")[:KEEP]
    return RefusalModel(
        {vocab[i]: idf[vocab[i]] for i in kept},
        {vocab[i]: float(w[i]) for i in kept},
        float(b),
    )


def _tfidf_matrix(
    counts: Sequence[Counter[str]], index: dict[str, int], idf: dict[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every text's :meth:`RefusalModel._vector` as sparse (row, column, value) arrays, each
    row's entries in ``_vector``'s order (word grams, then character grams, each in the
    Counter's order). The values come from the same floating-point operations in the same
    order, so they are the same bit for bit; one pass over each Counter instead of two."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    tf: dict[int, float] = {}  # count -> 1 + log(count)
    for r, c in enumerate(counts):
        parts: dict[str, tuple[list[int], list[float]]] = {"w:": ([], []), "c:": ([], [])}
        for g, k in c.items():
            i = index.get(g)
            part = parts.get(g[:2])
            if i is None or part is None:
                continue
            t = tf.get(k)
            if t is None:
                t = tf[k] = 1 + math.log(k)
            part[0].append(i)
            part[1].append(t * idf[g])
        for part_cols, part_vals in parts.values():
            norm = math.sqrt(sum(v * v for v in part_vals)) or 1.0
            rows.extend([r] * len(part_cols))
            cols.extend(part_cols)
            vals.extend(v / norm for v in part_vals)
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp), np.array(vals)


@lru_cache(maxsize=1)
def shipped() -> RefusalModel | None:
    """The weights that ship in the package (None if the file is missing)."""
    path = files("whichmodel") / "data" / "refusal_model.json"
    try:
        return RefusalModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
