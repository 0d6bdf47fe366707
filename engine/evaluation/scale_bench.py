"""`qi bench scale`: a province-size corpus in a scratch folder, built, loaded and queried; figures as JSON.

Never touches the demo's database or index: everything lives under the scratch folder, except the embedding
cache (keyed by encoder and text, so sharing it is safe and is what makes a rerun cheap).
"""

from __future__ import annotations

import json
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

from engine.config import Settings
from engine.encoders import Encoder
from engine.evaluation.metrics import percentile
from engine.evaluation.province import ProvinceSize, synthesise
from engine.indexing import build
from engine.search import Searcher, load_lexicon
from engine.storage.db import Database

K = 10


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_scale_bench(settings: Settings, scratch: Path, size: ProvinceSize, queries: list[dict[str, Any]],
                    encoder: Encoder, vector_index: str = "hnsw", log=print) -> dict[str, Any]:
    scratch.mkdir(parents=True, exist_ok=True)
    db_path = scratch / "province.db"
    for stale in scratch.glob("province.db*"):
        stale.unlink()
    local = settings.model_copy(update={"database_url": f"sqlite:///{db_path}", "index_dir": scratch / "indexes",
                                        "vector_index": vector_index})
    t0 = time.perf_counter()
    db = Database(local.database_url)
    made = synthesise(db, settings.corpus_dir, settings.reference_dir, size)
    synth_s = time.perf_counter() - t0
    log(f"synthesised {made} in {synth_s:.1f} s")
    t1 = time.perf_counter()
    manifest = build(local, db, encoder, load_lexicon(local.lexicon_dir))
    build_s = time.perf_counter() - t1
    log(f"built in {build_s:.1f} s: {manifest['seconds']}, passages {manifest['passages']}")
    db.engine.dispose()

    rss_before = rss_mb()
    t2 = time.perf_counter()
    db = Database(local.database_url)
    fast = Searcher(local, db, encoder)
    load_s = time.perf_counter() - t2
    exact = Searcher(local, db, encoder, exact=True)
    fast.search("预热", "agency")
    exact.search("预热", "agency")

    def region(q: dict) -> str | None:
        return (q.get("context") or {}).get("region")

    search_ms, recommend_ms, overlaps = [], [], []
    for q in queries:
        as_of = date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        want = [h.id for h in exact.search(q["query"], q["target"], region(q), K, as_of).hits]
        s = time.perf_counter()
        got = [h.id for h in fast.search(q["query"], q["target"], region(q), K, as_of).hits]
        search_ms.append((time.perf_counter() - s) * 1000)
        overlaps.append(len(set(got) & set(want)) / len(want) if want else float(not got))
    for q in queries:
        s = time.perf_counter()
        fast.recommend(q["query"], region(q), K)
        recommend_ms.append((time.perf_counter() - s) * 1000)
    counts = manifest["counts"]
    return {
        "docs": {t: counts.get(t, 0) for t in ("agency", "expert", "equipment", "standard")},
        "encoded": manifest["passages"]["encoded"], "cached": manifest["passages"]["cached"],
        "build_s": round(build_s, 1),
        "build_breakdown_s": {"synthesise": round(synth_s, 1), **manifest["seconds"],
                              "documents_and_dictionary": round(build_s - sum(manifest["seconds"].values()), 1)},
        "load_s": round(load_s, 1),
        "rss_mb": rss_mb(), "rss_before_load_mb": rss_before,
        "search_ms": {"p50": round(percentile(search_ms, 50), 1), "p95": round(percentile(search_ms, 95), 1)},
        "recommend_ms": {"p50": round(percentile(recommend_ms, 50), 1),
                         "p95": round(percentile(recommend_ms, 95), 1)},
        "overlap_at_10": round(sum(overlaps) / len(overlaps), 4) if overlaps else None,
        "update_visible_ms": None,  # delta segments are not built yet: an update needs `qi index`
        "vector_index": vector_index, "agencies": made["agencies"],
    }


def dump(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False)
