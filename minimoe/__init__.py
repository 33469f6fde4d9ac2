"""minimoe: build MiniMax-M1 small.

A teaching library that builds a scaled-down hybrid lightning-attention Mixture-of-Experts,
trains it on verifiable reasoning tasks and improves it with CISPO. The course notebooks in
``lessons/`` and ``solutions/`` import from here what earlier lessons built.

What you need outside the notebooks is importable from the package itself::

    from minimoe import TOKENIZER, MiniMoE, MiniMoEConfig, make_dataset, train_sft

    model = MiniMoE(MiniMoEConfig.preset("tiny", vocab_size=TOKENIZER.vocab_size))
    train_sft(model, make_dataset("sorting", 4000, difficulty=10))

Each name is loaded on first use, so ``import minimoe`` itself stays quick (it does not import
torch); README.md's library map says which module holds what.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> the module that defines it (loaded on first access, see __getattr__)
_EXPORTS = {
    # the model
    "MiniMoEConfig": "minimoe.config",
    "MiniMoE": "minimoe.model",
    "HybridCache": "minimoe.model",
    "count_parameters": "minimoe.model",
    "generate": "minimoe.generation",
    "load_checkpoint": "minimoe.checkpoint",
    "save_checkpoint": "minimoe.checkpoint",
    "from_hf_model": "minimoe.convert",
    # tasks and training
    "TOKENIZER": "minimoe.tasks",
    "make_dataset": "minimoe.tasks",
    "SFTConfig": "minimoe.train.sft",
    "train_sft": "minimoe.train.sft",
    "evaluate": "minimoe.train.evaluate",
    "pass_at_k": "minimoe.train.evaluate",
    "make_optimizer": "minimoe.train.optim",
    "RLConfig": "minimoe.rl.trainer",
    "train_rl": "minimoe.rl.trainer",
    "get_policy_loss": "minimoe.rl.losses",
    "group_advantages": "minimoe.rl.advantages",
    # recipes and accounting
    "get_recipe": "minimoe.recipes",
    "run_recipe": "minimoe.recipes",
    "hybrid_cache_bytes": "minimoe.flops",
    # model cards (lesson 14)
    "TrainingRun": "minimoe.card",
    "ModelCard": "minimoe.card",
    "check_card": "minimoe.card",
    "choose_license": "minimoe.card",
    # licenses (lesson 11)
    "load_licenses": "minimoe.licenses",
    "may_ship_product": "minimoe.licenses",
    "may_release_derivative": "minimoe.licenses",
    "may_train_on_outputs": "minimoe.licenses",
    "grants_patent_license": "minimoe.licenses",
    # output similarity (lesson 10)
    "agreement": "minimoe.similarity",
    "mistake_agreement": "minimoe.similarity",
    "token_kl": "minimoe.similarity",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'minimoe' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
