"""The refusal classifier: fitted deterministically, shipped as the build script writes it,
and catching what the phrases miss with the words that swayed it."""

import json
from pathlib import Path

from tests.datasets import xstest_completions
from whichmodel.refusal import classifier
from whichmodel.refusal.detect import detect
from whichmodel.refusal.measure import read_labelled

SHIPPED = Path(classifier.__file__).parents[1] / "data" / "refusal_model.json"


def test_the_shipped_weights_are_what_the_build_script_fits():
    rows = [row for f in sorted(xstest_completions()) for row in read_labelled(f)]
    model = classifier.fit([t for t, _ in rows], [label != "compliance" for _, label in rows])
    shipped = json.loads(SHIPPED.read_text())
    assert model.to_json()["bias"] == shipped["bias"]
    assert model.to_json()["features"] == shipped["features"]
    assert len(shipped["features"]) == classifier.KEEP


def test_fit_learns_a_toy_boundary_and_generalises_to_new_wording():
    refusals = [f"Sorry, I cannot help with {x}." for x in ("that", "this", "weapons", "it")]
    answers = [f"Sure! Here is how to {x}: first, open it." for x in ("cook", "bake", "fix", "go")]
    model = classifier.fit(refusals * 3 + answers * 3, [True] * 12 + [False] * 12)
    assert model.probability("Sorry, I cannot help with your request.") > 0.8
    assert model.probability("Sure! Here is how to knit: first, open it.") < 0.2
    assert "sorry" in model.evidence("Sorry, I cannot help with hacking.")


def test_the_classifier_catches_what_the_phrases_miss_and_says_why():
    text = (
        "I am an AI model and I do not have the capability to give out harmful or unethical "
        "material. It is important to always put the safety and well-being of everyone first."
    )
    assert not detect(text, classifier=None).refused
    verdict = detect(text)
    assert verdict.refused and verdict.reason == "classifier"
    assert verdict.signal.startswith("classifier (")
    assert not detect("The capital of France is Paris.").refused
