from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from minimoe.tasks.tokenizer import (
    ANSWER_MARKER,
    TASK_ALPHABET,
    THINK_MARKER,
    TOKENIZER,
    CharTokenizer,
)


def test_special_ids_and_vocab_size():
    assert (TOKENIZER.pad_id, TOKENIZER.bos_id, TOKENIZER.eos_id) == (0, 1, 2)
    assert TOKENIZER.vocab_size == 3 + len(TASK_ALPHABET) == 24
    assert THINK_MARKER in TASK_ALPHABET and ANSWER_MARKER in TASK_ALPHABET


def test_encode_adds_bos_and_eos():
    ids = TOKENIZER.encode("1+2", add_bos=True, add_eos=True)
    assert ids[0] == TOKENIZER.bos_id and ids[-1] == TOKENIZER.eos_id
    assert len(ids) == 5
    assert TOKENIZER.decode(ids) == "1+2"
    assert TOKENIZER.decode(ids, skip_special=False) == "<bos>1+2<eos>"


def test_special_token_names_in_text_are_single_tokens():
    assert TOKENIZER.encode("9#9<eos>") == TOKENIZER.encode("9#9", add_eos=True)
    assert TOKENIZER.encode("<pad><bos>") == [TOKENIZER.pad_id, TOKENIZER.bos_id]


@pytest.mark.parametrize(
    ("text", "char", "position"), [("12a3", "a", 2), ("1/2", "/", 1), ("<x>", "<", 0)]
)
def test_unknown_character_error_names_character_position_and_alphabet(text, char, position):
    with pytest.raises(ValueError) as error:
        TOKENIZER.encode(text)
    message = str(error.value)
    assert (
        repr(char) in message
        and f"position {position}" in message
        and repr(TASK_ALPHABET) in message
    )


def test_decode_rejects_ids_outside_vocabulary():
    with pytest.raises(ValueError, match="outside the vocabulary"):
        TOKENIZER.decode([TOKENIZER.vocab_size])


def test_constructor_validates_alphabet():
    with pytest.raises(ValueError, match="more than once"):
        CharTokenizer("0120")
    with pytest.raises(ValueError, match="'<'"):
        CharTokenizer("01<")


@given(st.text(alphabet=TASK_ALPHABET, max_size=64))
def test_round_trip_text(text):
    ids = TOKENIZER.encode(text)
    assert len(ids) == len(text)
    assert TOKENIZER.decode(ids) == text


@given(st.lists(st.integers(0, TOKENIZER.vocab_size - 1), max_size=64))
def test_round_trip_ids_with_special_tokens(ids):
    assert TOKENIZER.encode(TOKENIZER.decode(ids, skip_special=False)) == ids


def test_decode_accepts_a_tensor():
    ids = torch.tensor(TOKENIZER.encode("12+3", add_bos=True))
    assert TOKENIZER.decode(ids) == "12+3"


def test_batch_encode_left_pads_for_rollouts():
    ids, mask = TOKENIZER.batch_encode(["1+2:", "34+56:"])
    assert ids.shape == mask.shape == (2, 7)
    assert ids.dtype == mask.dtype == torch.long
    assert mask.tolist() == [[0, 0, 1, 1, 1, 1, 1], [1] * 7]
    assert ids[0, :2].tolist() == [TOKENIZER.pad_id] * 2
    assert ids[:, -1].tolist() == [TOKENIZER.encode(":")[0]] * 2  # prompts end in the same column
    assert TOKENIZER.decode(ids[0], skip_special=False) == "<pad><pad><bos>1+2:"


def test_batch_encode_right_pads_for_training():
    ids, mask = TOKENIZER.batch_encode(["1", "123"], left_pad=False, add_bos=False)
    assert mask.tolist() == [[1, 0, 0], [1, 1, 1]]
    assert TOKENIZER.decode(ids[0], skip_special=False) == "1<pad><pad>"


def test_batch_encode_rejects_a_bare_string():
    with pytest.raises(ValueError, match="list of strings"):
        TOKENIZER.batch_encode("1+2")
