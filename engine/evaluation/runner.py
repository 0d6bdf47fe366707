"""`qi eval`: run graded queries through the searcher (or a bare retrieval core) and report the metrics."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.evaluation.metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k
from engine.jsonl import read_objects
from engine.vocabulary import TARGETS

K = 10


def read_queries(path: Path, default_target: str | None = None) -> list[dict[str, Any]]:
    """Graded queries `{query, qrels, target?, context?, as_of?}`; InvalidInput names the first bad line."""
    queries = []
    for lineno, q in read_objects(path):
        if not isinstance(q.get("query"), str) or not isinstance(q.get("qrels"), dict):
            raise InvalidInput(f"{path}:{lineno}: a query needs 'query' (text) and 'qrels' (object)")
        q.setdefault("target", default_target)
        if q["target"] is None:
            raise InvalidInput(f"{path}:{lineno}: no 'target'")
        queries.append(q)
    if not queries:
        raise InvalidInput(f"{path}: no queries")
    return queries


def summarize(rows: list[dict[str, Any]], latencies: list[float], targets: list[str]) -> dict[str, Any]:
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_target[r["target"]].append(r)
    report: dict[str, Any] = {}
    for target in [*targets, "all"]:
        group = rows if target == "all" else by_target.get(target, [])
        n = len(group)
        report[target] = {
            "ndcg@10": round(sum(r["ndcg"] for r in group) / n, 4) if n else 0.0,
            "recall@10": round(sum(r["recall"] for r in group) / n, 4) if n else 0.0,
            "mrr@10": round(sum(r["mrr"] for r in group) / n, 4) if n else 0.0,
            "n": n,
        }
    report["latency_ms"] = {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)}
    return report


def score_row(q: dict[str, Any], ranked: list[str], demand: dict[str, Any] | None = None) -> dict[str, Any]:
    """One query's metrics; with `demand` (what the engine read) the row also serves --by and --failures."""
    qrels = {k: int(v) for k, v in q["qrels"].items()}
    extra = {}
    if demand is not None:
        extra = {"query": q["query"], "qrels": qrels, "understood": demand.get("understood", ""),
                 "category": q.get("category") or demand.get("category") or "未识别"}
    return {
        **extra,
        "id": q.get("id"), "target": q["target"], "ranked": ranked[:K],
        "ndcg": ndcg_at_k(ranked, qrels, K), "recall": recall_at_k(ranked, qrels, K), "mrr": mrr_at_k(ranked, qrels, K),
    }


def evaluate_searcher(searcher, queries: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Whole ranking per query (demand reading, encoding, retrieval, rules), timed wall clock."""
    rows, latencies = [], []
    searcher.search("预热", "agency")  # first call pays one-time costs that are not per query
    for q in queries:
        as_of = date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        region = (q.get("context") or {}).get("region")
        started = time.perf_counter()
        result = searcher.search(q["query"], q["target"], region=region, limit=K, as_of=as_of)
        latencies.append((time.perf_counter() - started) * 1000)
        rows.append(score_row(q, [h.id for h in result.hits], result.demand))
    return summarize(rows, latencies, list(TARGETS)), rows
