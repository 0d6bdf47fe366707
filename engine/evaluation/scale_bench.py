"""`qi bench scale`: a province-size corpus in a scratch folder, built, loaded and queried; figures as JSON.

Never touches the demo's database or index: everything lives under the scratch folder, except the embedding
cache (keyed by encoder and text, so sharing it is safe and is what makes a rerun cheap).
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import time
from datetime import date
from pathlib import Path
from typing import Any

from engine.config import Settings
from engine.encoders import Encoder, load_encoder
from engine.evaluation.metrics import percentile
from engine.evaluation.province import ProvinceSize, synthesise
from engine.indexing import build
from engine.search import Searcher
from engine.storage.db import Database
from engine.text.lexicon import load_lexicon

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

    # A fresh process loads and queries, as a serving worker would: its memory is what a worker costs.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        served = pool.apply(measure_serving, (local, queries))
    counts = manifest["counts"]
    return {
        "docs": {t: counts.get(t, 0) for t in ("agency", "expert", "equipment", "standard")},
        "encoded": manifest["passages"]["encoded"], "cached": manifest["passages"]["cached"],
        "build_s": round(build_s, 1),
        "build_breakdown_s": {"synthesise": round(synth_s, 1), **manifest["seconds"],
                              "documents_and_dictionary": round(build_s - sum(manifest["seconds"].values()), 1)},
        **served,
        "update_visible_ms": None,  # delta segments are not built yet: an update needs `qi index`
        "vector_index": vector_index, "agencies": made["agencies"],
    }


def measure_serving(settings: Settings, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Load the index as a worker does, then time the dev queries on the fast path against the exact path."""
    encoder = load_encoder(settings.encoder)
    rss_encoder = rss_mb()
    started = time.perf_counter()
    db = Database(settings.database_url)
    fast = Searcher(settings, db, encoder)
    load_s = time.perf_counter() - started
    exact = Searcher(settings, db, encoder, exact=True)
    exact.query_vector = fast.query_vector  # the same query vectors on both paths
    fast.search("预热", "agency")

    def region(q: dict) -> str | None:
        return (q.get("context") or {}).get("region")

    search_ms, recommend_ms, overlaps = [], [], []
    for q in queries:  # first pass: encodes each demand, and is the exact path's oracle
        as_of = date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        want = [h.id for h in exact.search(q["query"], q["target"], region(q), K, as_of).hits]
        got = [h.id for h in fast.search(q["query"], q["target"], region(q), K, as_of).hits]
        overlaps.append(len(set(got) & set(want)) / len(want) if want else float(not got))
    fast.query_vector.cache_clear()
    for q in queries:  # timed with a cold query-vector cache: encoding included
        as_of = date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        s = time.perf_counter()
        fast.search(q["query"], q["target"], region(q), K, as_of)
        search_ms.append((time.perf_counter() - s) * 1000)
    fast.query_vector.cache_clear()
    for q in queries:
        s = time.perf_counter()
        fast.recommend(q["query"], region(q), K)
        recommend_ms.append((time.perf_counter() - s) * 1000)
    return {
        "load_s": round(load_s, 1), "rss_mb": rss_mb(), "rss_encoder_only_mb": rss_encoder,
        "search_ms": {"p50": round(percentile(search_ms, 50), 1), "p95": round(percentile(search_ms, 95), 1)},
        "recommend_ms": {"p50": round(percentile(recommend_ms, 50), 1),
                         "p95": round(percentile(recommend_ms, 95), 1)},
        "overlap_at_10": round(sum(overlaps) / len(overlaps), 4) if overlaps else None,
    }


def dump(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False)
