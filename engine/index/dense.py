"""Dense vector indexes in FAISS (inner product over normalised vectors = cosine), chosen by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

from engine.errors import InvalidInput


def _flat(dim: int, n: int) -> faiss.Index:
    return faiss.IndexFlatIP(dim)


def _hnsw(dim: int, n: int) -> faiss.Index:
    index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = 128
    return index


VECTOR_INDEXES: dict[str, Callable[[int, int], faiss.Index]] = {"flat": _flat, "hnsw": _hnsw}


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat") -> DenseIndex:
        if kind not in VECTOR_INDEXES:
            raise InvalidInput(f"unknown vector index {kind!r}: one of {', '.join(VECTOR_INDEXES)}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = VECTOR_INDEXES[kind](vectors.shape[1], vectors.shape[0])
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest documents to one query vector; ids are row numbers."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def all_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine to every document, in row order (small collections rank on all of them)."""
        scores, ids = self.search(query, self.size)
        out = np.full(self.size, -1.0, dtype=np.float32)
        out[ids] = scores
        return out

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        return cls(faiss.read_index(str(path)))
