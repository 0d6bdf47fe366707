"""nDCG@k (gain 2^g - 1), Recall@k over grade-2 items, MRR@k of the first grade-2 item: plain functions."""

from __future__ import annotations

import math
from collections.abc import Sequence


def dcg(gains: Sequence[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(qrels.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg([qrels.get(doc, 0) for doc in ranked[:k]]) / ideal


def recall_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 10, grade: int = 2) -> float:
    relevant = {d for d, g in qrels.items() if g >= grade}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def mrr_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 10, grade: int = 2) -> float:
    for i, doc in enumerate(ranked[:k]):
        if qrels.get(doc, 0) >= grade:
            return 1.0 / (i + 1)
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
