"""A character tokenizer for the reasoning tasks.

Every task string is written in a small fixed alphabet, so one character is one token and the
vocabulary stays tiny (24 ids). Three special tokens sit in front of the characters:

    id 0  <pad>   fills the short rows of a batch
    id 1  <bos>   starts every prompt
    id 2  <eos>   ends every completion

In text, a special token is written by its name, e.g. ``"347+285:12,13,6#632<eos>"``. ``<`` is not
in the alphabet, so a name can never be confused with ordinary characters, and
``encode(decode(ids, skip_special=False)) == ids`` holds for every list of ids.

Two characters of the alphabet act as markers in the task format:

    ``:`` (THINK_MARKER)   ends the question; the model writes its worked steps after it
    ``#`` (ANSWER_MARKER)  ends the worked steps; the final answer follows it
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

THINK_MARKER = ":"
ANSWER_MARKER = "#"
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIAL_TOKENS = (PAD, BOS, EOS)

# digits, the operators and brackets of the tasks, "=" and "," for worked steps, ">" ("makes", in
# Countdown prompts), a space, and the two markers.
TASK_ALPHABET = "0123456789+-*()=,> " + THINK_MARKER + ANSWER_MARKER


class CharTokenizer:
    """Maps each character of ``alphabet`` to one id, after the special tokens <pad>, <bos>, <eos>.

    Args:
        alphabet: the allowed characters, each once. ``<`` is reserved for special-token names.
    """

    def __init__(self, alphabet: str = TASK_ALPHABET) -> None:
        if len(set(alphabet)) != len(alphabet):
            repeated = sorted({c for c in alphabet if alphabet.count(c) > 1})
            raise ValueError(f"the alphabet lists these characters more than once: {repeated}")
        if "<" in alphabet:
            raise ValueError("'<' cannot be in the alphabet: it starts special-token names")
        self.alphabet = alphabet
        self.tokens = list(SPECIAL_TOKENS) + list(alphabet)
        self.token_to_id = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id = self.token_to_id[PAD]
        self.bos_id = self.token_to_id[BOS]
        self.eos_id = self.token_to_id[EOS]

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        """Turn ``text`` into ids; special tokens may appear in it by name (``"<eos>"``).

        Raises:
            ValueError: a character outside the alphabet; the message names it and its position.
        """
        if not isinstance(text, str):
            raise TypeError(f"encode expects a str, got {type(text).__name__}")
        ids = [self.bos_id] if add_bos else []
        position = 0
        while position < len(text):
            char = text[position]
            if char == "<":
                name = next((s for s in SPECIAL_TOKENS if text.startswith(s, position)), None)
                if name is not None:
                    ids.append(self.token_to_id[name])
                    position += len(name)
                    continue
            if char not in self.token_to_id:
                raise ValueError(
                    f"unknown character {char!r} at position {position} of the text; "
                    f"allowed are {self.alphabet!r} and the special tokens {', '.join(SPECIAL_TOKENS)}"
                )
            ids.append(self.token_to_id[char])
            position += 1
        if add_eos:
            ids.append(self.eos_id)
        return ids

    def decode(self, ids: Iterable[int], skip_special: bool = True) -> str:
        """Turn ids back into text. With ``skip_special`` the <pad>, <bos> and <eos> ids are dropped;
        otherwise they are written by name. Accepts a list or a 1-D tensor."""
        pieces = []
        for token_id in ids:
            token_id = int(token_id)
            if not 0 <= token_id < self.vocab_size:
                raise ValueError(
                    f"id {token_id} is outside the vocabulary 0..{self.vocab_size - 1}"
                )
            if skip_special and token_id < len(SPECIAL_TOKENS):
                continue
            pieces.append(self.tokens[token_id])
        return "".join(pieces)

    def batch_encode(
        self, texts: Sequence[str], left_pad: bool = True, add_bos: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode several texts into one padded batch.

        Left padding (the default) lines up the ends of the prompts, so a batch of rollouts can
        start generating at the same column. Right padding suits teacher-forced training.

        Returns:
            ids: ``(batch, max_len)`` LongTensor, padded with ``pad_id``.
            attention_mask: ``(batch, max_len)`` LongTensor, 1 on real tokens and 0 on padding.
        """
        # torch is imported here so that the tasks and verifiers work without it.
        import torch

        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError("batch_encode expects a non-empty list of strings")
        rows = [self.encode(text, add_bos=add_bos) for text in texts]
        max_len = max(len(row) for row in rows)
        ids = torch.full((len(rows), max_len), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), max_len), dtype=torch.long)
        for i, row in enumerate(rows):
            columns = slice(max_len - len(row), max_len) if left_pad else slice(0, len(row))
            ids[i, columns] = torch.tensor(row, dtype=torch.long)
            attention_mask[i, columns] = 1
        return ids, attention_mask


TOKENIZER = CharTokenizer()
"""The tokenizer every task shares."""
