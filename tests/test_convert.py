"""minimoe against Hugging Face's MiniMax port: same weights, same logits."""

from __future__ import annotations

import pytest
import torch

transformers = pytest.importorskip(
    "transformers", reason="transformers (a dev dependency) is needed to compare with HF's port"
)

from minimoe.convert import config_from_hf, from_hf_model, from_hf_state_dict  # noqa: E402
from minimoe.model import MiniMoE  # noqa: E402

NUM_LAYERS = 4
DEEPNORM_ALPHA = (2 * NUM_LAYERS) ** 0.25


def _hf_config(**changes):
    settings = dict(
        vocab_size=100,
        hidden_size=64,
        intermediate_size=32,
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        num_local_experts=4,
        num_experts_per_tok=2,
        layer_types=["linear_attention"] * 3 + ["full_attention"],
        block_size=4,
        max_position_embeddings=128,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        linear_attn_alpha_factor=DEEPNORM_ALPHA,
        full_attn_alpha_factor=DEEPNORM_ALPHA,
        mlp_alpha_factor=DEEPNORM_ALPHA,
        attn_implementation="eager",
    )
    settings.update(changes)
    return transformers.MiniMaxConfig(**settings)


@pytest.fixture(scope="module")
def hf_model():
    torch.manual_seed(0)
    model = transformers.MiniMaxForCausalLM(_hf_config()).eval()
    with torch.no_grad():  # norm weights away from 1, so that a swapped norm would show
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.uniform_(0.5, 1.5)
    return model


def test_config_mapping():
    config = config_from_hf(_hf_config())
    assert config.layer_pattern == "LLLS"
    assert config.layer_types == ["lightning"] * 3 + ["softmax"]
    assert config.norm == "post" and config.alpha == pytest.approx(DEEPNORM_ALPHA)
    assert (config.head_dim, config.num_kv_heads, config.block_size) == (16, 2, 4)
    assert config.rotary_dim == config.head_dim  # HF rotates the whole head
    assert (config.num_experts, config.top_k, config.expert_hidden) == (4, 2, 32)


def test_converted_model_matches_hf_logits(hf_model):
    model = from_hf_model(hf_model).eval()
    torch.manual_seed(1)
    ids = torch.randint(0, 100, (2, 12))
    prompt = 9  # spans three lightning blocks of 4
    with torch.no_grad():
        theirs = hf_model(ids[:, :prompt], use_cache=True)
        ours = model(ids[:, :prompt])
        diffs = [(ours.logits - theirs.logits).abs().max().item()]
        hf_cache = theirs.cache
        cache = ours.cache
        for t in range(prompt, ids.shape[1]):
            # HF's MiniMaxCache reports length 0 when layer 0 is a lightning layer, so its
            # default RoPE positions would restart at 0; pass the true position explicitly.
            theirs = hf_model(
                ids[:, t : t + 1],
                cache=hf_cache,
                use_cache=True,
                position_ids=torch.tensor([[t]]),
            )
            ours = model(ids[:, t : t + 1], cache=cache)
            hf_cache, cache = theirs.cache, ours.cache
            diffs.append((ours.logits - theirs.logits).abs().max().item())
    print(f"max |logits - HF logits|: prefill {diffs[0]:.2e}, decode steps {diffs[1:]}")
    assert max(diffs) <= 1e-4
    # The logits are not trivially small, so the bound means something.
    assert theirs.logits.abs().max() > 1e-2


def test_legacy_per_expert_checkpoint_layout(hf_model):
    """The released MiniMax checkpoints store experts one by one, under block_sparse_moe."""
    packed = hf_model.state_dict()
    legacy = {}
    for key, value in packed.items():
        if ".mlp.experts.gate_up_proj" in key:
            base = key.replace(".mlp.experts.gate_up_proj", ".block_sparse_moe.experts")
            gate, up = value.chunk(2, dim=1)
            for e in range(value.shape[0]):
                legacy[f"{base}.{e}.w1.weight"] = gate[e]
                legacy[f"{base}.{e}.w3.weight"] = up[e]
        elif ".mlp.experts.down_proj" in key:
            base = key.replace(".mlp.experts.down_proj", ".block_sparse_moe.experts")
            for e in range(value.shape[0]):
                legacy[f"{base}.{e}.w2.weight"] = value[e]
        else:
            legacy[key.replace(".mlp.gate.", ".block_sparse_moe.gate.")] = value
    _, from_packed = from_hf_state_dict(packed, hf_model.config)
    _, from_legacy = from_hf_state_dict(legacy, hf_model.config)
    assert from_packed.keys() == from_legacy.keys()
    assert all(torch.equal(from_packed[k], from_legacy[k]) for k in from_packed)
    MiniMoE(config_from_hf(hf_model.config)).load_state_dict(from_legacy)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sliding_window": 8}, "sliding-window"),
        ({"mlp_alpha_factor": 1.0}, "one residual alpha"),
        ({"mlp_beta_factor": 0.5}, "beta = 1"),
        ({"hidden_act": "gelu"}, "SiLU"),
        ({"rope_parameters": {"rope_type": "linear", "rope_theta": 1e4, "factor": 2.0}}, "RoPE"),
    ],
)
def test_unsupported_hf_options_raise(changes, message):
    with pytest.raises(ValueError, match=message):
        config_from_hf(_hf_config(**changes))


def test_unknown_state_dict_keys_raise(hf_model):
    state = dict(hf_model.state_dict())
    state["model.layers.0.mlp.shared_experts.weight"] = torch.zeros(1)
    with pytest.raises(ValueError, match="shared_experts"):
        from_hf_state_dict(state, hf_model.config)


def test_left_padded_batch_matches_hf():
    # Layer 0 is softmax here: HF's MiniMaxCache measures its length on layer 0 and reports 0
    # when that is a lightning layer, which breaks HF's padding mask when decoding.
    torch.manual_seed(2)
    hf = transformers.MiniMaxForCausalLM(
        _hf_config(layer_types=["full_attention"] + ["linear_attention"] * 3)
    ).eval()
    model = from_hf_model(hf).eval()
    assert model.config.layer_pattern == "SLLL"
    ids = torch.randint(1, 100, (2, 9))
    mask = torch.ones(2, 9, dtype=torch.long)
    mask[0, :4] = 0
    with torch.no_grad():
        theirs = hf(ids, attention_mask=mask, use_cache=True)
        ours = model(ids, attention_mask=mask)
        real = mask[..., None].bool()
        prefill_diff = (ours.logits - theirs.logits).masked_fill(~real, 0).abs().max().item()
        next_ids = torch.tensor([[5], [6]])
        full_mask = torch.cat([mask, torch.ones(2, 1, dtype=torch.long)], dim=1)
        theirs = hf(next_ids, attention_mask=full_mask, cache=theirs.cache, use_cache=True)
        ours = model(next_ids, cache=ours.cache)
        decode_diff = (ours.logits - theirs.logits).abs().max().item()
    print(f"left-padded: prefill {prefill_diff:.2e}, decode {decode_diff:.2e}")
    assert max(prefill_diff, decode_diff) <= 1e-4
