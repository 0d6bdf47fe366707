"""Okapi BM25 as an inverted index: one posting list (documents, precomputed weights) per term.

The weights are a sparse (terms x docs) CSR matrix, so row `t` is term `t`'s posting list. `match` touches only
the postings of the query's terms (candidate generation); `score` still gives every document's score, for the
bare retrieval core of `qi eval --docs`. Saved as plain `.npy` arrays that are memory-mapped read-only on load,
so the workers on one machine share one copy in the page cache.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.index.docstore import mapped


@dataclass
class BM25Index:
    """Term weights precomputed into posting lists: `indptr[t]:indptr[t+1]` of `doc_ids`/`weights` is term t."""

    vocab: dict[str, int]
    indptr: np.ndarray  # (n_terms + 1,) int64
    doc_ids: np.ndarray  # (n_postings,) int32, ascending within a term
    weights: np.ndarray  # (n_postings,) float32
    n_docs: int
    k1: float
    b: float

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        return cls.build_grouped(docs, np.arange(len(docs), dtype=np.int64), k1, b)

    @classmethod
    def build_grouped(
        cls, texts: list[list[str]], doc_texts: np.ndarray, k1: float = 1.2, b: float = 0.75
    ) -> BM25Index:
        """Documents given as rows into distinct token lists (catalogues repeat lines): each distinct text is
        counted once, and the postings are expanded to its documents with array operations."""
        vocab: dict[str, int] = {}
        terms, tfs, sizes = [], [], np.zeros(len(texts), dtype=np.int64)
        lengths = np.zeros(len(texts), dtype=np.float64)
        for u, tokens in enumerate(texts):
            lengths[u] = len(tokens)
            counts = Counter(tokens)
            sizes[u] = len(counts)
            for term, tf in counts.items():
                terms.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        u_terms = np.asarray(terms, dtype=np.int64)
        u_tf = np.asarray(tfs, dtype=np.float64)
        u_ptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(sizes, out=u_ptr[1:])
        doc_texts = np.asarray(doc_texts, dtype=np.int64)
        n_docs = int(doc_texts.size)
        uses = np.bincount(doc_texts, minlength=len(texts)).astype(np.float64)  # documents per distinct text
        owner = np.repeat(np.arange(len(texts)), sizes)  # distinct text of each distinct posting
        df = np.bincount(u_terms, weights=uses[owner], minlength=len(vocab))
        avgdl = float((lengths[doc_texts]).mean()) if n_docs else 0.0
        norm = k1 * (1 - b + b * lengths[owner] / max(avgdl, 1e-9))
        u_w = (bm25_idf(df, n_docs)[u_terms] * u_tf * (k1 + 1) / (u_tf + norm)).astype(np.float32)
        # Expand: document j holds the postings u_ptr[t]:u_ptr[t+1] of its text t.
        per_doc = sizes[doc_texts]
        doc_ids = np.repeat(np.arange(n_docs, dtype=np.int32), per_doc)
        first = np.repeat(u_ptr[doc_texts] - np.concatenate([[0], np.cumsum(per_doc)[:-1]]), per_doc)
        postings = first + np.arange(doc_ids.size, dtype=np.int64)
        p_terms = u_terms[postings]
        order = np.argsort(p_terms, kind="stable")  # by term; documents stay ascending within a term
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(p_terms, minlength=len(vocab)), out=indptr[1:])
        return cls(vocab, indptr, doc_ids[order], u_w[postings][order], n_docs, k1, b)

    def _terms(self, query_tokens: list[str], token_weights: dict[str, float] | None) -> list[tuple[int, float]]:
        """A repeated query term counts once; `token_weights` may scale a term (lexicon expansions)."""
        return [(self.vocab[t], (token_weights or {}).get(t, 1.0)) for t in dict.fromkeys(query_tokens)
                if t in self.vocab]

    def match(
        self, query_tokens: list[str], token_weights: dict[str, float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids ascending, scores) of the documents holding at least one query term; no other is touched."""
        terms = self._terms(query_tokens, token_weights)
        if not terms:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        ids = [self.doc_ids[self.indptr[t]:self.indptr[t + 1]] for t, _ in terms]
        ws = [self.weights[self.indptr[t]:self.indptr[t + 1]] * np.float32(w) for t, w in terms]
        if len(terms) == 1:
            return np.array(ids[0]), ws[0].astype(np.float32)
        all_ids = np.concatenate(ids)
        all_ws = np.concatenate(ws)
        if all_ids.size * 8 > self.n_docs:  # long posting lists: one pass over a dense accumulator is cheaper
            acc = np.bincount(all_ids, weights=all_ws, minlength=self.n_docs)
            hit = np.flatnonzero(np.bincount(all_ids, minlength=self.n_docs)).astype(np.int32)
            return hit, acc[hit].astype(np.float32)
        uniq, inverse = np.unique(all_ids, return_inverse=True)
        return uniq.astype(np.int32), np.bincount(inverse, weights=all_ws).astype(np.float32)

    def score(self, query_tokens: list[str], token_weights: dict[str, float] | None = None) -> np.ndarray:
        """BM25 score of every document (0 where no query term occurs)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        ids, scores = self.match(query_tokens, token_weights)
        out[ids] = scores
        return out

    def save(self, folder: Path) -> None:
        np.save(folder / "bm25_indptr.npy", self.indptr)
        np.save(folder / "bm25_doc_ids.npy", self.doc_ids)
        np.save(folder / "bm25_weights.npy", self.weights)
        (folder / "bm25_vocab.json").write_text(
            json.dumps({"k1": self.k1, "b": self.b, "n_docs": self.n_docs, "vocab": self.vocab}, ensure_ascii=False),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        meta = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        arrays = [mapped(folder / f"bm25_{name}.npy") for name in ("indptr", "doc_ids", "weights")]
        return cls(meta["vocab"], *arrays, meta["n_docs"], meta["k1"], meta["b"])


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Lucene's non-negative idf: log(1 + (N - df + 0.5) / (df + 0.5))."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))
