"""The frozen text encoder: the pretrained all-MiniLM-L6-v2 (``toolkit.minilm``, the one wrapper that the
policy and the for-you feed use too). The DiT cross-attends to its token states and adds its pooled vector
to the timestep modulation.

It loads once per process and stays frozen (no gradients, eval mode). Each distinct text is encoded once:
the output is cached per text, since a worker sees the same prompts, beats and cameo preferences again and
again, and classifier-free guidance reuses them on every step.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generation.engine.requests import too_long
from toolkit.minilm import DIMENSIONS, MiniLM, shared

if TYPE_CHECKING:
    import torch

TEXT_DIM = DIMENSIONS


@dataclass(frozen=True)
class EncodedText:
    tokens: torch.Tensor  # [L, 384] float32 token states, special tokens included
    pooled: torch.Tensor  # [384] float32 mean of the token states, unit length (the sentence embedding)


class TextEncoder:
    """The process's MiniLM (``toolkit.minilm``) as the engine reads it, with a cache of encoded texts.
    Counting word pieces needs only its tokenizer (no PyTorch); encoding loads the model."""

    def __init__(self, *, minilm: MiniLM | None = None, cache_size: int = 2048) -> None:
        self._lock = threading.Lock()
        self._minilm = minilm or shared()
        self._cache: OrderedDict[str, EncodedText] = OrderedDict()
        self._cache_size = cache_size

    def load(self) -> None:
        """Load the tokenizer and the model now rather than on the first ``encode`` (a worker does this
        once, before it takes a job)."""
        self._minilm.load()

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text``, special tokens included; needs only the tokenizer (a web process that
        checks requests never loads the model, nor PyTorch)."""
        return self._minilm.count_tokens(text)

    def encode(self, text: str, *, max_tokens: int, field: str = "prompt") -> EncodedText:
        """The token states and pooled vector of ``text``; raises ``InvalidRequest`` when it has more than
        ``max_tokens`` word pieces (nothing is silently cut off)."""
        import torch

        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                if cached.tokens.shape[0] > max_tokens:
                    raise too_long(field, cached.tokens.shape[0], max_tokens)
                return cached
            ids = self._minilm.word_pieces(text)
            if len(ids) > max_tokens:
                raise too_long(field, len(ids), max_tokens)
            states = self._minilm.token_states(ids)
            pooled = torch.nn.functional.normalize(states.mean(dim=0), dim=0)
            encoded = EncodedText(tokens=states.clone(), pooled=pooled.clone())
            self._cache[text] = encoded
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return encoded


@functools.cache
def shared_encoder() -> TextEncoder:
    """One encoder per process (over the process's one MiniLM)."""
    return TextEncoder()
