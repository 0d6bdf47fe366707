"""Dense vector indexes in FAISS (inner product over normalised vectors = cosine), chosen by name.

`flat` is exact; `hnsw` (graph) and `ivf_sq` (inverted lists over 8-bit scalar-quantised vectors) are approximate
nearest-neighbour indexes meant to be asked for k in the hundreds, never for every document.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

from engine.errors import InvalidInput

HNSW_M = 32
HNSW_EF_SEARCH = 256
IVF_NPROBE = 16


def _flat(dim: int, n: int) -> faiss.Index:
    return faiss.IndexFlatIP(dim)


def _hnsw(dim: int, n: int) -> faiss.Index:
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    return index


def _ivf_sq(dim: int, n: int) -> faiss.Index:
    nlist = max(1, min(4096, n // 39, int(4 * np.sqrt(max(n, 1)))))  # FAISS wants ~39 points a list
    return faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                         faiss.METRIC_INNER_PRODUCT)


VECTOR_INDEXES: dict[str, Callable[[int, int], faiss.Index]] = {"flat": _flat, "hnsw": _hnsw, "ivf_sq": _ivf_sq}


class DenseIndex:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self._tune()

    def _tune(self) -> None:
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = HNSW_EF_SEARCH
        elif isinstance(self.index, faiss.IndexIVF):
            self.index.nprobe = min(IVF_NPROBE, self.index.nlist)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat") -> DenseIndex:
        if kind not in VECTOR_INDEXES:
            raise InvalidInput(f"unknown vector index {kind!r}: one of {', '.join(VECTOR_INDEXES)}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = VECTOR_INDEXES[kind](vectors.shape[1], vectors.shape[0])
        if len(vectors):
            if not index.is_trained:
                index.train(vectors)
            index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def exact(self) -> bool:
        return isinstance(self.index, faiss.IndexFlat)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest documents to one query vector; ids are row numbers."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = self.index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def all_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine to every document, in row order (the bare core of `qi eval --docs` ranks on all of them)."""
        scores, ids = self.search(query, self.size)
        out = np.full(self.size, -1.0, dtype=np.float32)
        out[ids] = scores
        return out

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        # Memory-mapped read-only where FAISS allows it (flat, HNSW, IVF), so workers share the pages.
        try:
            return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY))
        except RuntimeError:
            return cls(faiss.read_index(str(path)))
