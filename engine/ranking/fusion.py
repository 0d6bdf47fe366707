"""Score fusion as plain functions over arrays: no model, database or global state."""

from __future__ import annotations

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector becomes zeros."""
    if scores.size == 0:
        return scores.astype(np.float32)
    lo, hi = float(scores.min()), float(scores.max())
    if hi - lo < 1e-12:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - lo) / (hi - lo)).astype(np.float32)


def max_scaled(scores: np.ndarray) -> np.ndarray:
    """Divide by the maximum (BM25 is 0 for no overlap, and that zero must stay meaningful)."""
    hi = float(scores.max()) if scores.size else 0.0
    return (scores / hi).astype(np.float32) if hi > 0 else np.zeros_like(scores, dtype=np.float32)


def convex_fusion(lexical: np.ndarray, dense: np.ndarray, dense_weight: float) -> np.ndarray:
    """w * dense + (1 - w) * lexical, each scaled to [0, 1] over the whole collection."""
    return (1.0 - dense_weight) * max_scaled(lexical) + dense_weight * minmax(dense)


def rrf_fusion(score_lists: list[np.ndarray], k: float = 60.0) -> np.ndarray:
    """Reciprocal-rank fusion: sum of 1 / (k + rank); ties share the better rank, so order is stable."""
    total = np.zeros(score_lists[0].shape[0], dtype=np.float64)
    for scores in score_lists:
        order = np.argsort(-scores, kind="stable")
        ranks = np.empty_like(order)
        ranks[order] = np.arange(1, len(order) + 1)
        # equal scores get equal (best) rank
        sorted_scores = scores[order]
        first = np.r_[0, np.flatnonzero(np.diff(sorted_scores) != 0) + 1]
        run_start = np.repeat(first, np.diff(np.r_[first, len(order)]))
        ranks[order] = run_start + 1
        total += 1.0 / (k + ranks)
    return total


def aggregate(scores: list[float], second_weight: float = 0.2) -> float:
    """One score per provider from its capabilities' scores: the best, plus a little for a second match."""
    if not scores:
        return 0.0
    top = sorted(scores, reverse=True)
    return top[0] + (second_weight * top[1] if len(top) > 1 else 0.0)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, ties broken by index."""
    if k <= 0 or scores.size == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, scores.size)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def to_percent(score: float, full: float) -> float:
    """A raw ranking score as the 0–100 figure people read: `full` and above count as 100."""
    if full <= 0 or score <= 0:
        return 0.0
    return round(100.0 * min(1.0, score / full), 1)
