"""Okapi BM25 as plain arrays: build term statistics once, score a query against every document."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse


@dataclass
class BM25Index:
    """Term weights precomputed into a sparse (terms x docs) matrix, so a query is one sparse row sum."""

    vocab: dict[str, int]
    weights: sparse.csr_matrix  # (n_terms, n_docs)
    k1: float
    b: float

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs), dtype=np.float64)
        for j, tokens in enumerate(docs):
            lengths[j] = len(tokens)
            for term, tf in Counter(tokens).items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(j)
                tfs.append(tf)
        n_docs = len(docs)
        tf = np.asarray(tfs, dtype=np.float64)
        cols_a = np.asarray(cols, dtype=np.int64)
        rows_a = np.asarray(rows, dtype=np.int64)
        df = np.bincount(rows_a, minlength=len(vocab)) if len(vocab) else np.zeros(0)
        idf = bm25_idf(df, n_docs)
        avgdl = lengths.mean() if n_docs else 0.0
        norm = k1 * (1 - b + b * lengths[cols_a] / max(avgdl, 1e-9)) if n_docs else np.zeros(0)
        w = idf[rows_a] * tf * (k1 + 1) / (tf + norm)
        weights = sparse.csr_matrix((w, (rows_a, cols_a)), shape=(len(vocab), n_docs), dtype=np.float32)
        return cls(vocab, weights, k1, b)

    @property
    def n_docs(self) -> int:
        return self.weights.shape[1]

    def score(self, query_tokens: list[str], token_weights: dict[str, float] | None = None) -> np.ndarray:
        """BM25 score of every document; a repeated query term counts once (weights may scale a term)."""
        ids, ws = [], []
        for term in dict.fromkeys(query_tokens):
            if term in self.vocab:
                ids.append(self.vocab[term])
                ws.append((token_weights or {}).get(term, 1.0))
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        q = np.asarray(ws, dtype=np.float32)
        return np.asarray(self.weights[ids].T @ q).ravel()

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "bm25_weights.npz", self.weights)
        (folder / "bm25_vocab.json").write_text(
            json.dumps({"k1": self.k1, "b": self.b, "vocab": self.vocab}, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        meta = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(meta["vocab"], sparse.load_npz(folder / "bm25_weights.npz").tocsr(), meta["k1"], meta["b"])


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Lucene's non-negative idf: log(1 + (N - df + 0.5) / (df + 0.5))."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))
