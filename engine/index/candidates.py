"""Candidate generation: the top documents of each side of a collection, fused on their union only.

BM25 walks the postings of the query's terms; the dense side asks the vector index for the nearest distinct
texts (an ANN index, or brute force when `exact`). Both scores are then known for every candidate (the cosine of a
lexical candidate is one dot product, the BM25 of a dense candidate is 0 when it holds no query term) and fused
with scaling defined over the candidate set, so a ranking does not depend on how many other documents exist.
The rules and aggregates downstream see these candidates only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.ranking.fusion import convex_fusion, top_k

if TYPE_CHECKING:
    from engine.index.store import Collection

CANDIDATES_PER_SIDE = 300


@dataclass(frozen=True)
class Candidates:
    rows: np.ndarray  # document rows, best fused score first (ties by row)
    scores: np.ndarray  # fused score of each row, in [0, 1]

    def __len__(self) -> int:
        return int(self.rows.size)

    def top(self, k: int) -> list[tuple[int, float]]:
        return list(zip(self.rows[:k].tolist(), self.scores[:k].tolist(), strict=True))


def generate(
    collection: Collection, tokens: list[str], token_weights: dict[str, float], query: np.ndarray,
    dense_weight: float, k: int = CANDIDATES_PER_SIDE, exact: bool = False,
) -> Candidates:
    lex_ids, lex_scores = collection.bm25.match(tokens, token_weights)
    lex_top = lex_ids[top_k(lex_scores, k)] if lex_ids.size > k else lex_ids
    dense_ids, _ = collection.vectors.nearest(query, k, exact=exact)
    rows = np.union1d(lex_top, dense_ids).astype(np.int64)
    if rows.size == 0:
        return Candidates(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    lexical = np.zeros(rows.size, dtype=np.float32)
    if lex_ids.size:
        at = np.searchsorted(lex_ids, rows)
        found = (at < lex_ids.size) & (lex_ids[np.minimum(at, lex_ids.size - 1)] == rows)
        lexical[found] = lex_scores[at[found]]
    dense = collection.vectors.scores_of(query, rows)  # exact cosine even where the ANN stores quantised vectors
    fused = convex_fusion(lexical, dense, dense_weight)
    order = np.lexsort((rows, -fused))
    return Candidates(rows[order], fused[order])
