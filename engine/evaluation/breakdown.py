"""`qi eval --by category` and `--failures N`: study the errors by kind rather than one by one.

The category of a query is its own `category` field when the set has one, else the §6.2 category the engine read
from the demand — so a misread category shows up as a group of its own ("未识别") rather than hiding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def by_category(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """(category, target) -> mean nDCG@10, MRR@10 and the number of queries."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r.get("category") or "未识别", r["target"])].append(r)
    return {
        key: {"ndcg@10": round(sum(r["ndcg"] for r in g) / len(g), 4),
              "mrr@10": round(sum(r["mrr"] for r in g) / len(g), 4), "n": len(g)}
        for key, g in sorted(groups.items())
    }


def worst(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The n queries with the lowest nDCG@10 (ties: lowest MRR first)."""
    return sorted(rows, key=lambda r: (r["ndcg"], r["mrr"], str(r.get("id"))))[:n]


def print_breakdown(rows: list[dict[str, Any]], by: str | None, failures: int) -> None:
    if by == "category":
        print(f"{'category':10s} {'target':10s} {'nDCG@10':>8s} {'MRR@10':>7s} {'n':>4s}")
        for (category, target), v in by_category(rows).items():
            print(f"{category:10s} {target:10s} {v['ndcg@10']:8.4f} {v['mrr@10']:7.4f} {v['n']:4d}")
        print()
    for r in worst(rows, failures):
        qrels = r.get("qrels", {})
        print(f"[{r.get('id')}] {r['target']} nDCG {r['ndcg']:.3f}  类别 {r.get('category')}")
        print(f"  需求：{r.get('query', '')}")
        print(f"  {r.get('understood') or '理解为：（无）'}")
        print("  排出：" + " ".join(f"{d}({qrels.get(d, 0)})" for d in r["ranked"][:10]))
        missed = [d for d, g in sorted(qrels.items(), key=lambda t: -t[1]) if g >= 2 and d not in r["ranked"]]
        if missed:
            print("  漏掉：" + " ".join(missed[:10]))
        print()
