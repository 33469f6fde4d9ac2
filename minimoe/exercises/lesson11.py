"""Lesson 11 (open weights and licenses): clauses applied to realistic cases, and openness scores."""

from __future__ import annotations

from collections.abc import Mapping

from minimoe.exercises import close, exercise
from minimoe.licenses import VERDICTS, may_ship_product, may_train_on_outputs
from minimoe.openness import OSAI_DIMENSIONS, RATING_POINTS, load_openness, openness_score


def _check_verdicts(got, want: Mapping[str, str], what: str) -> None:
    """Compare a dict of verdicts with ``want``, naming the cases that differ (not the answers)."""
    assert isinstance(got, Mapping), f"return a dict: {what} -> verdict, got {got!r}"
    missing = [case for case in want if case not in got]
    assert not missing, f"your dict has no verdict for {', '.join(missing)}"
    extra = sorted(set(got) - set(want))
    assert not extra, f"there are no cases {extra}; the cases are {', '.join(want)}"
    bad = {case: v for case, v in got.items() if v not in VERDICTS}
    assert not bad, f"verdicts are {', '.join(VERDICTS)}; got {bad}"
    differ = [case for case in want if got[case] != want[case]]
    assert not differ, (
        f"your verdict for {', '.join(differ)} is not what the clause gives; read it again"
    )


# --------------------------------------------------------------------------------- 11.platform

PLATFORM_USERS = 900_000_000
PLATFORM_MODELS = ("MiniMax-M1", "DeepSeek-R1", "Llama-3.1", "DeepSeek-V3", "MiniMax-M2")
"""A platform with 900M monthly users wants to ship a feature built on one of these (today's
terms)."""


def platform_verdicts() -> dict[str, str]:
    """The verdict of :func:`~minimoe.licenses.may_ship_product` for each platform model."""
    return {model: may_ship_product(model, PLATFORM_USERS).verdict for model in PLATFORM_MODELS}


@exercise(
    "11.platform",
    reference=platform_verdicts,
    hints=(
        "For each model, find the clause about user counts first: is there a threshold, at what "
        "number, and what happens above it? Then ask whether a product must also keep to a use "
        "policy.",
        "Only the Llama licenses make a licensee above the threshold ask for permission (700M). "
        "MiniMax-M2's rider at 100M asks for something else: a displayed name. Apache-2.0 and MIT "
        "have neither a threshold nor use restrictions; DeepSeek's agreement has no threshold "
        "but has Attachment A.",
        "Two yes (the Apache and MIT models), one no (Llama 3.1), two conditional (M2's display "
        "duty, V3's restricted uses).",
    ),
    wrong=[
        lambda: {**platform_verdicts(), "Llama-3.1": "conditional"},
        lambda: dict.fromkeys(PLATFORM_MODELS, "yes"),
        lambda: {**platform_verdicts(), "MiniMax-M2": "no"},
        lambda: {**platform_verdicts(), "DeepSeek-V3": "yes"},
    ],
)
def _check_platform(candidate) -> None:
    _check_verdicts(candidate(), platform_verdicts(), "model")


# ----------------------------------------------------------------------------- 11.distillation

STUDENT_NAME = "TinyReasoner"
DISTILLATION_CASES = {
    "DeepSeek-R1": ("DeepSeek-R1", None),
    "Llama 2": ("Llama-2", None),
    "Llama 3.1": ("Llama-3.1", None),
    "DeepSeek-V3": ("DeepSeek-V3", None),
    "MiniMax-Text-01 in January 2025": ("MiniMax-Text-01", "2025-01-20"),
    "MiniMax-Text-01 in March 2025": ("MiniMax-Text-01", "2025-03-01"),
    "OpenAI API": ("OpenAI API", None),
}
"""A researcher trains a small model on a teacher's outputs and publishes it as
:data:`STUDENT_NAME`: case -> (teacher, date of the terms, ``None`` for today's)."""


def distillation_verdicts() -> dict[str, str]:
    """The verdict of :func:`~minimoe.licenses.may_train_on_outputs` for each case."""
    return {
        case: may_train_on_outputs(teacher, new_name=STUDENT_NAME, on=on).verdict
        for case, (teacher, on) in DISTILLATION_CASES.items()
    }


@exercise(
    "11.distillation",
    reference=distillation_verdicts,
    hints=(
        "Find the clause on outputs in the text that applied on that date. Some texts forbid "
        "improving other models, some allow it on a condition, and one condition is about the "
        "name the researcher chose.",
        "Llama 2 bans improving other LLMs; Llama 3.1 allows it only under a name that begins "
        "with 'Llama'. DeepSeek's agreement makes a distilled model a Derivative that inherits "
        "its use restrictions. MiniMax dropped its ban on 20 February 2025. OpenAI's terms "
        "forbid only models that compete with OpenAI.",
        "In the order of the cases: yes, no, no, conditional, no, yes, conditional.",
    ),
    wrong=[
        lambda: {**distillation_verdicts(), "Llama 3.1": "yes"},
        lambda: {**distillation_verdicts(), "Llama 3.1": "conditional"},
        lambda: {**distillation_verdicts(), "MiniMax-Text-01 in March 2025": "no"},
        lambda: {**distillation_verdicts(), "DeepSeek-V3": "yes"},
        lambda: {**distillation_verdicts(), "OpenAI API": "no"},
    ],
)
def _check_distillation(candidate) -> None:
    _check_verdicts(candidate(), distillation_verdicts(), "case")


# ---------------------------------------------------------------------------- 11.osaid_missing

OSAID_ELEMENTS = ("data information", "code", "parameters")
OSAID_RELEASES = ("MiniMax-M1", "MiniMax-Text-01", "Llama-3.1", "OLMo")


def osaid_missing() -> dict[str, set[str]]:
    """Which elements of the Open Source AI Definition each release lacks (the course's reading).

    M1: Apache-2.0 weights, but inference code only and no data documentation. MiniMax-Text-01
    (the index's entry of June 2025) and Llama 3.1: licenses with use restrictions, no training
    code (partial at best) and no data information. OLMo: met the requirements in OSI's own
    validation.
    """
    return {
        "MiniMax-M1": {"data information", "code"},
        "MiniMax-Text-01": {"data information", "code", "parameters"},
        "Llama-3.1": {"data information", "code", "parameters"},
        "OLMo": set(),
    }


@exercise(
    "11.osaid_missing",
    reference=osaid_missing,
    hints=(
        "OSAID asks for three things, each under OSI-approved terms: enough information about "
        "the data to build a substantially equivalent system, the complete code to train and run "
        "it, and the parameters. Check each release against each one, using the index's ratings "
        "and what you know of its license.",
        "Inference code alone is not 'the complete source code used to train and run the "
        "system'. Parameters under a license with use restrictions or user thresholds are not "
        "under OSI-approved terms. OSI's own validation found that OLMo met the requirements.",
        "M1 lacks data information and code; MiniMax-Text-01 and Llama 3.1 lack all three; OLMo "
        "lacks none.",
    ),
    wrong=[
        lambda: {**osaid_missing(), "MiniMax-M1": set()},
        lambda: {**osaid_missing(), "MiniMax-M1": {"code"}},
        lambda: {**osaid_missing(), "Llama-3.1": {"data information", "code"}},
        lambda: {
            "MiniMax-M1": set(),
            "MiniMax-Text-01": {"parameters"},
            "Llama-3.1": {"parameters"},
            "OLMo": set(),
        },
    ],
)
def _check_osaid_missing(candidate) -> None:
    got = candidate()
    assert isinstance(got, Mapping), f"return a dict: release -> set of elements, got {got!r}"
    want = osaid_missing()
    missing = [release for release in want if release not in got]
    assert not missing, f"your dict has no entry for {', '.join(missing)}"
    for release, elements in got.items():
        assert release in want, f"there is no release {release!r}; use {', '.join(want)}"
        unknown = set(elements) - set(OSAID_ELEMENTS)
        assert not unknown, f"{release}: unknown element(s) {sorted(unknown)}; use {OSAID_ELEMENTS}"
    differ = [release for release in want if set(got[release]) != want[release]]
    assert not differ, f"your set for {', '.join(differ)} does not match the evidence"


# --------------------------------------------------------------------------- 11.openness_score


def _score_over_all(ratings):
    return sum(RATING_POINTS[r] for r in ratings.values() if r is not None) / len(OSAI_DIMENSIONS)


def _score_partial_as_zero(ratings):
    rated = [r for r in ratings.values() if r is not None]
    return sum(r == "open" for r in rated) / len(rated)


def _score_partial_as_one(ratings):
    rated = [r for r in ratings.values() if r is not None]
    return sum(r != "closed" for r in rated) / len(rated)


def _score_counting_unrated(ratings):
    return sum(RATING_POINTS[r] for r in ratings.values() if r is not None) / len(ratings)


def _score_sum(ratings):
    return sum(RATING_POINTS[r] for r in ratings.values() if r is not None)


@exercise(
    "11.openness_score",
    reference=openness_score,
    hints=(
        "Each rating is worth points (open 1, partial ½, closed 0) and the score is an average. "
        "Over which dimensions? Look at MiniMax-M2.5's entry, which has fewer than the others.",
        "Leave out the dimensions whose rating is None, as well as those absent from the dict, "
        "and average the points of the rest.",
        "rated = [r for r in ratings.values() if r is not None]; "
        "return sum(points[r] for r in rated) / len(rated)",
    ),
    wrong=[
        _score_over_all,
        _score_partial_as_zero,
        _score_partial_as_one,
        _score_counting_unrated,
        _score_sum,
    ],
)
def _check_openness_score(candidate) -> None:
    openness = load_openness()
    cases = [dict(entry.ratings) for entry in openness.osai]
    m25 = openness.osai_entry("MiniMax-M2.5").ratings
    cases.append({**m25, "package": None, "api": None})  # the two removed dimensions, explicit
    cases.append({"weights_endmodel": "partial"})
    for ratings in cases:
        close(candidate(dict(ratings)), openness_score(ratings), f"score of {ratings}", tol=1e-9)
