"""`qi eval --docs`: the bare retrieval core (tokeniser, BM25, dense encoder, fusion) on any document set."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from engine.encoders import Encoder
from engine.errors import InvalidInput
from engine.evaluation.runner import K, score_row, summarize
from engine.index.bm25 import BM25Index
from engine.index.dense import DenseIndex
from engine.jsonl import read_objects
from engine.ranking.fusion import convex_fusion, rrf_fusion, top_k
from engine.text.tokenize import DomainTokenizer


def read_docs(path: Path) -> list[dict[str, str]]:
    """Documents `{id, text, title?}`; InvalidInput names the first bad line."""
    docs = []
    for lineno, d in read_objects(path):
        if "id" not in d or not isinstance(d.get("text"), str):
            raise InvalidInput(f"{path}:{lineno}: a document needs 'id' and 'text'")
        docs.append(d)
    return docs


def encode_cached(encoder: Encoder, texts: list[str], cache_dir: Path) -> np.ndarray:
    """Passage vectors, cached on disk by encoder and content (re-running a benchmark costs no re-encoding)."""
    key = hashlib.sha256((encoder.name + "\0" + "\0".join(texts)).encode()).hexdigest()[:24]
    path = cache_dir / f"{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.concatenate([encoder.encode_passages(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def evaluate_docs(
    docs: list[dict[str, str]],
    queries: list[dict[str, Any]],
    encoder: Encoder,
    cache_dir: Path,
    fusion: str = "convex",
    dense_weight: float = 0.5,
    bigrams: bool = True,
) -> dict[str, Any]:
    tokenizer = DomainTokenizer((), bigrams=bigrams)
    texts = [(d.get("title", "") + " " + d["text"]).strip() for d in docs]
    ids = [str(d["id"]) for d in docs]
    bm25 = BM25Index.build([tokenizer.tokenize(t) for t in texts])
    dense = DenseIndex.build(encode_cached(encoder, texts, cache_dir))
    rows, latencies = [], []
    for q in queries:
        started = time.perf_counter()
        lexical = bm25.score(tokenizer.tokenize(q["query"]))
        cos = dense.all_scores(encoder.encode_queries([q["query"]])[0])
        if fusion == "rrf":
            fused = rrf_fusion([lexical, cos])
        elif fusion == "bm25":
            fused = lexical
        elif fusion == "dense":
            fused = cos
        else:
            fused = convex_fusion(lexical, cos, dense_weight)
        ranked = [ids[i] for i in top_k(fused, K)]
        latencies.append((time.perf_counter() - started) * 1000)
        rows.append(score_row({**q, "target": "docs"}, ranked))
    return summarize(rows, latencies, ["docs"])
