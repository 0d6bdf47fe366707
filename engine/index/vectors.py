"""The dense side of a collection: one vector per distinct dense text, and each document's row among them.

Catalogues repeat capability lines across agencies, so a collection stores (and searches) each distinct text
once: `vectors.npy` holds the distinct vectors (memory-mapped), `text_rows.npy` maps a document to its vector,
and an ANN index over the distinct vectors finds the nearest texts, which expand to their documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.index.dense import DenseIndex
from engine.index.docstore import mapped


@dataclass
class DocVectors:
    vectors: np.ndarray  # (n_texts, dim) float32, normalised
    text_rows: np.ndarray  # (n_docs,) int32: the vector of each document
    order: np.ndarray  # (n_docs,) int32: documents sorted by their vector row
    starts: np.ndarray  # (n_texts + 1,) int64: order[starts[v]:starts[v+1]] are the documents of vector v
    ann: DenseIndex

    @classmethod
    def build(cls, vectors: np.ndarray, text_rows: np.ndarray, kind: str) -> DocVectors:
        text_rows = np.asarray(text_rows, dtype=np.int32)
        order, starts = _group(text_rows, len(vectors))
        return cls(np.ascontiguousarray(vectors, dtype=np.float32), text_rows, order, starts,
                   DenseIndex.build(vectors, kind))

    @property
    def n_docs(self) -> int:
        return int(self.text_rows.size)

    def scores_of(self, query: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Exact cosine of the given documents."""
        if docs.size == 0:
            return np.zeros(0, dtype=np.float32)
        return self.vectors[self.text_rows[docs]] @ np.asarray(query, dtype=np.float32)

    def nearest(self, query: np.ndarray, k: int, exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, cosine) of the documents of the k nearest distinct texts (ANN unless `exact`)."""
        if exact and not self.ann.exact:
            sims = self.vectors @ np.asarray(query, dtype=np.float32)
            k = min(k, sims.size)
            rows = np.argpartition(-sims, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
            scores = sims[rows]
        else:
            scores, rows = self.ann.search(query, k)
        if rows.size == 0:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        first = self.starts[rows]
        counts = self.starts[rows + 1] - first
        # the documents of each text, gathered without a Python loop: order[first[i] + 0 .. counts[i] - 1]
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        docs = self.order[np.repeat(first, counts) + offsets]
        return docs, np.repeat(scores.astype(np.float32), counts)

    def save(self, folder: Path) -> None:
        np.save(folder / "vectors.npy", self.vectors)
        np.save(folder / "text_rows.npy", self.text_rows)
        self.ann.save(folder / "vectors.faiss")

    @classmethod
    def load(cls, folder: Path) -> DocVectors:
        vectors = mapped(folder / "vectors.npy")
        text_rows = mapped(folder / "text_rows.npy")
        order, starts = _group(text_rows, len(vectors))
        return cls(vectors, text_rows, order, starts, DenseIndex.load(folder / "vectors.faiss"))


def _group(text_rows: np.ndarray, n_texts: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(text_rows, kind="stable").astype(np.int32)
    starts = np.zeros(n_texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(text_rows, minlength=n_texts), out=starts[1:])
    return order, starts
