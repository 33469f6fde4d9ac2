from __future__ import annotations

import pytest
import torch
from tiny import LLLS, seeded

from minimoe.generation import generate, sample_next
from minimoe.model import MiniMoE


@pytest.fixture(scope="module")
def model() -> MiniMoE:
    return seeded(LLLS)


def _left_padded(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r) :] = torch.tensor(r)
        mask[i, width - len(r) :] = 1
    return ids, mask


def test_greedy_generation_equals_argmax_of_full_reforwards(model):
    rows = [[3, 5, 7, 9, 11, 2], [4, 6, 8]]
    ids, mask = _left_padded(rows)
    out = generate(model, ids, mask, max_new_tokens=6, temperature=0.0)
    assert out.tokens.shape == (2, 6)
    for i, row in enumerate(rows):
        seq = list(row)
        with torch.no_grad():
            for _ in range(6):
                seq.append(int(model(torch.tensor([seq])).logits[0, -1].argmax()))
        assert out.tokens[i].tolist() == seq[len(row) :]


def test_logprobs_are_the_models_log_softmax(model):
    ids = torch.tensor([[1, 2, 3, 4]])
    out = generate(model, ids, max_new_tokens=3, generator=torch.Generator().manual_seed(0))
    full = torch.cat([ids, out.tokens], dim=1)
    with torch.no_grad():
        logp = torch.log_softmax(model(full).logits[0, 3:-1], dim=-1)
    expected = logp.gather(1, out.tokens[0, :, None]).squeeze(1)
    torch.testing.assert_close(out.logprobs[0], expected, atol=1e-5, rtol=1e-4)


def test_seeded_sampling_is_deterministic(model):
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    a = generate(model, ids, max_new_tokens=8, generator=torch.Generator().manual_seed(7))
    b = generate(model, ids, max_new_tokens=8, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a.tokens, b.tokens)


def test_tiny_top_p_is_greedy():
    torch.manual_seed(0)
    logits = torch.randn(16, 30)
    draws = sample_next(
        logits, temperature=1.0, top_p=1e-6, generator=torch.Generator().manual_seed(1)
    )
    assert torch.equal(draws, logits.argmax(-1))


def test_top_p_keeps_only_the_nucleus():
    # probabilities 0.5, 0.3, 0.15, 0.05: top_p = 0.7 keeps the first two tokens only.
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(2000, 1)
    draws = sample_next(logits, top_p=0.7, generator=torch.Generator().manual_seed(0))
    assert set(draws.tolist()) == {0, 1}
    assert abs((draws == 0).float().mean().item() - 0.5 / 0.8) < 0.05


def test_sample_next_rejects_bad_settings():
    with pytest.raises(ValueError, match="temperature"):
        sample_next(torch.zeros(1, 3), temperature=-1.0)
    with pytest.raises(ValueError, match="top_p"):
        sample_next(torch.zeros(1, 3), top_p=0.0)


def test_rows_stop_at_eos_and_are_padded_after(model):
    ids = torch.tensor([[1, 2, 3], [9, 8, 7]])
    greedy = generate(model, ids, max_new_tokens=5, temperature=0.0)
    eos = int(greedy.tokens[0, 1])  # row 0 produces this at step 1
    out = generate(model, ids, max_new_tokens=5, temperature=0.0, eos_id=eos, pad_id=39)
    row0 = out.tokens[0].tolist()
    assert row0[:2] == greedy.tokens[0, :2].tolist()
    assert row0[2:] == [39] * (len(row0) - 2)
    assert out.finished[0] and out.lengths[0] == 2
    assert torch.all(out.logprobs[0, 2:] == 0)
    # A row that never produces eos runs to max_new_tokens (unless the batch stopped early).
    if not out.finished[1]:
        assert out.lengths[1] == out.tokens.shape[1] == 5
        assert out.tokens[1].tolist() == greedy.tokens[1].tolist()


def test_generate_checks_its_inputs(model):
    with pytest.raises(ValueError, match="LEFT-padded"):
        generate(model, torch.tensor([[1, 0]]), torch.tensor([[1, 0]]), max_new_tokens=2)
    with pytest.raises(ValueError, match="max_seq_len"):
        generate(model, torch.tensor([[1, 2]]), max_new_tokens=100)
