"""Lesson 14 (capstone): predict a design's parameters, read a card's headline numbers from the
run, and pick a license whose clauses allow a stated use."""

from __future__ import annotations

from minimoe.card import Evaluation, ModelCard, Stage, TrainingRun, choose_license
from minimoe.card import weights_fingerprint as fingerprint
from minimoe.config import MiniMoEConfig
from minimoe.exercises import exercise
from minimoe.flops import parameter_counts
from minimoe.licenses import (
    grants_patent_license,
    may_release_derivative,
    may_ship_product,
    may_train_on_outputs,
)
from minimoe.model import MiniMoE

# ------------------------------------------------------------------- 14.predict_parameters

DESIGNS = (
    MiniMoEConfig.preset("tiny"),
    MiniMoEConfig.preset("tiny", layer_pattern="LLLS", num_experts=8, expert_hidden=32),
    MiniMoEConfig.preset("tiny", num_layers=6, layer_pattern="LS", top_k=1, hidden_size=48),
    MiniMoEConfig.preset("tiny", num_layers=3, layer_pattern="S", num_heads=2, num_kv_heads=1),
    MiniMoEConfig.preset("tiny", num_layers=5, layer_pattern="L", num_experts=16, top_k=4),
)
"""Designs the check predicts, each differing from the others in a choice that changes a count."""


def _all_experts_active(config):
    total, active = parameter_counts(config)
    idle = config.num_layers * (config.num_experts - config.top_k)
    return total, active + idle * 3 * config.hidden_size * config.expert_hidden


def _embeddings_active(config):
    total, active = parameter_counts(config)
    return total, active + 2 * config.vocab_size * config.hidden_size


def _softmax_like_lightning(config):
    return parameter_counts(config.replace(layer_pattern="L"))


def _one_embedding_matrix(config):
    total, active = parameter_counts(config)
    return total - config.vocab_size * config.hidden_size, active


@exercise(
    "14.predict_parameters",
    reference=parameter_counts,
    hints=(
        "Walk through the model once: the embedding, then each layer (its attention, the router, "
        "two norms, the experts), then the final norm and the LM head. 'Active' counts what one "
        "token uses, and by MiniMax's convention leaves out the embedding and the LM head.",
        "A lightning layer and a softmax layer have different attention weights "
        "(minimoe.flops.attention_parameters(config, kind) gives each); config.layer_types says "
        "which kind each layer is. All E experts count in the total, only top_k in the active.",
        "total = 2·V·d + d + Σ_layers [attention + d·E + 2·d + E·3·d·f]; active is the same sum "
        "with top_k in place of E and without 2·V·d.",
    ),
    wrong=[_all_experts_active, _embeddings_active, _softmax_like_lightning, _one_embedding_matrix],
)
def _check_predict_parameters(candidate) -> None:
    for config in DESIGNS:
        got = tuple(int(n) for n in candidate(config))
        want = parameter_counts(config)
        what = (
            f"schedule {config.layer_pattern!r} x {config.num_layers}, {config.num_experts} "
            f"experts top-{config.top_k}, width {config.hidden_size}"
        )
        assert got[0] == want[0], f"total parameters of the design ({what}) are off"
        assert got[1] == want[1], f"active parameters of the design ({what}) are off"


# ------------------------------------------------------------------------------ 14.headline


def headline(model: MiniMoE, run: TrainingRun) -> dict[str, float | None]:
    """The numbers a card's summary line reports for ``model`` as it is now
    (:attr:`minimoe.card.ModelCard.headline` of the card built from ``model`` and ``run``).

    ``total_parameters`` and ``active_parameters`` of the model; ``greedy``, ``sampled`` and
    ``sampled_se`` from the run's own (not baseline) evaluations of the model's *current*
    weights (the last greedy and the last sampled one); ``training_seconds``, every training
    stage summed.
    """
    words = {"name": "check", "description": "check", "intended_use": "check"}
    license = choose_license("mit", ["only for this check"])
    return ModelCard.from_run(model, run, license=license, **words).headline


def _example_runs() -> list[tuple[MiniMoE, TrainingRun]]:
    """Two models and runs whose numbers differ everywhere: evaluations of earlier weights that
    score higher than the final ones, a better baseline, stages of different lengths."""
    examples = []
    for design, seed in ((DESIGNS[2], 0), (DESIGNS[3], 1)):
        model = MiniMoE(design.replace(vocab_size=40))
        weights, earlier = fingerprint(model), f"{seed:016d}"
        run = TrainingRun("sorting", 4, seed=seed)
        run.stages += [Stage("sft", "SFT", 41.5 + seed), Stage("rl", "RL", 17.25 + seed)]
        run.evaluations += [
            Evaluation("sft_greedy", 0.91 - seed / 10, 200, 1, 0.0, earlier),
            Evaluation("sft_sampled", 0.62, 200, 4, 1.0, earlier),
            Evaluation("rl_greedy", 0.83 + seed / 50, 200, 1, 0.0, weights),
            Evaluation("rl_sampled", 0.415 + seed / 20, 200, 4, 1.0, weights),
            Evaluation("greedy", 0.97, 200, 1, 0.0, "f" * 16, baseline="shipped"),
            Evaluation("sampled", 0.88, 200, 4, 1.0, "f" * 16, baseline="shipped"),
        ]
        examples.append((model, run))
    return examples


def _first_evaluations(model, run):
    numbers = headline(model, run)
    numbers.update(greedy=run.evaluations[0].accuracy, sampled=run.evaluations[1].accuracy)
    return numbers


def _best_evaluations(model, run):
    numbers = headline(model, run)
    greedy = max(e.accuracy for e in run.evaluations if e.temperature == 0)
    return {**numbers, "greedy": greedy}


def _last_stage_time(model, run):
    return {**headline(model, run), "training_seconds": run.stages[-1].seconds}


def _tiny_preset_counts(model, run):
    total, active = parameter_counts(MiniMoEConfig.preset("tiny"))
    return {**headline(model, run), "total_parameters": total, "active_parameters": active}


def _rounded(model, run):
    return {key: round(value, 2) for key, value in headline(model, run).items()}


@exercise(
    "14.headline",
    reference=headline,
    hints=(
        "Every number must come from the objects you are given, not from what you printed "
        "earlier: a check runs your function on models and runs it has never shown you.",
        "A run measures the model at several points. Only the measurements of the weights the "
        "model has now describe it: compare each evaluation's weights with "
        "weights_fingerprint(model), and leave out the baselines.",
        "Keep the evaluations e with not e.baseline and e.weights == weights_fingerprint(model); "
        "the greedy one has temperature 0. Sum stage.seconds over run.stages; "
        "count_parameters(model) gives both counts. Do not round.",
    ),
    wrong=[_first_evaluations, _best_evaluations, _last_stage_time, _tiny_preset_counts, _rounded],
)
def _check_headline(candidate) -> None:
    for model, run in _example_runs():
        got, want = candidate(model, run), headline(model, run)
        assert isinstance(got, dict), f"return a dict with the keys {sorted(want)}, got {got!r}"
        missing = sorted(set(want) - set(got))
        assert not missing, f"your dict has no {', '.join(missing)}"
        for key, value in want.items():
            assert got[key] == value, (
                f"{key} is not the number of this model and this run (the check's run has "
                f"{len(run.evaluations)} evaluations and {len(run.stages)} stages)"
            )


# ---------------------------------------------------------------------- 14.license_for_uses

USERS = 900_000_000
NEW_NAME = "SortPro"
USES = {
    f"a company with {USERS:,} monthly users ships a product on the model": (
        lambda lic: may_ship_product(lic, USERS)
    ),
    f"someone releases a fine-tuned version as {NEW_NAME!r}": (
        lambda lic: may_release_derivative(lic, NEW_NAME)
    ),
    "another lab trains its own model on the model's outputs": may_train_on_outputs,
    "every user gets an explicit patent license from the contributors": grants_patent_license,
}
"""The stated uses; the license must answer "yes" to each (no conditions beyond its notices)."""


def license_for_uses() -> str:
    """The id of the one license in :mod:`minimoe.licenses` that answers yes to every use."""
    return "apache-2.0"


@exercise(
    "14.license_for_uses",
    reference=license_for_uses,
    hints=(
        "Ask the questions of minimoe.licenses about candidate licenses, one use at a time: "
        "which licenses have a user threshold, a naming rule, a clause on outputs, an explicit "
        "patent grant?",
        "A permissive license passes the first three; only one of the permissive licenses in "
        "the table says anything about patents.",
        "MIT is silent on patents (grants_patent_license('mit') says no); the Apache License "
        "grants one in its §3.",
    ),
    wrong=[lambda: "mit", lambda: "llama-3.1-license", lambda: "Apache 2", lambda: "MiniMax-M1"],
)
def _check_license_for_uses(candidate) -> None:
    answer = candidate()
    try:
        choice = choose_license(answer, ["checked against the stated uses"])
    except (TypeError, ValueError) as err:
        raise AssertionError(str(err)) from None
    for use, ask in USES.items():
        verdict = ask(choice.license).verdict
        assert verdict == "yes", f"under {choice.license}, the use '{use}' is {verdict!r}"
