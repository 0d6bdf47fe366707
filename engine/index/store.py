"""An index is a folder of plain files plus `manifest.json`; built in a temporary folder and swapped in atomically.

Layout of `indexes/current/`:
    manifest.json            what built it (encoder, dim, dictionary hash, counts, format version, build time and
                             where it went, passages encoded vs served from the embedding cache)
    dictionary.txt           the tokenizer's domain words (its hash is in the manifest)
    <target>/                keys.json, key_ids.npy, positions.npy, texts.bin, dense_texts.bin (the documents,
                             columnar, see docstore); bm25_*.npy + bm25_vocab.json (postings); vectors.npy,
                             text_rows.npy, vectors.faiss (distinct dense texts and their ANN index)
Arrays are memory-mapped read-only on load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.documents import Document
from engine.encoders import Encoder
from engine.errors import IndexMismatch, IndexUnavailable
from engine.index.bm25 import BM25Index
from engine.index.docstore import DocStore
from engine.index.embedding_cache import EmbeddingCache
from engine.index.vectors import DocVectors
from engine.text.tokenize import DomainTokenizer
from engine.vocabulary import TARGETS

FORMAT_VERSION = 4


@dataclass
class Collection:
    target: str
    docs: DocStore
    bm25: BM25Index
    vectors: DocVectors


@dataclass
class IndexSet:
    folder: Path
    manifest: dict
    tokenizer: DomainTokenizer
    collections: dict[str, Collection]


def build_index(
    index_dir: Path,
    documents: dict[str, list[Document]],
    tokenizer: DomainTokenizer,
    encoder: Encoder,
    vector_index: str = "flat",
    cache: EmbeddingCache | None = None,
) -> dict:
    """Build every collection into a temporary folder, then rename it to `index_dir/current`.

    Dense texts go through the embedding cache (when given): only texts this encoder never saw are encoded.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=index_dir))
    own_cache = cache is None
    cache = cache or EmbeddingCache(tmp / ".embeddings.sqlite")
    seconds = {"tokenize_bm25": 0.0, "encode": 0.0, "vector_index": 0.0, "write": 0.0}
    try:
        counts, encoded, cached = {}, 0, 0
        for target in TARGETS:
            docs = documents.get(target, [])
            sub = tmp / target
            sub.mkdir()
            t0 = time.perf_counter()
            distinct: dict[str, int] = {}  # repeated lines are tokenized once
            doc_texts = np.fromiter((distinct.setdefault(d.text, len(distinct)) for d in docs), dtype=np.int64,
                                    count=len(docs))
            BM25Index.build_grouped([tokenizer.tokenize(t) for t in distinct], doc_texts).save(sub)
            t1 = time.perf_counter()
            enc = cache.encode(encoder, [d.dense_text for d in docs])
            encoded, cached = encoded + enc.encoded, cached + enc.cached
            t2 = time.perf_counter()
            DocVectors.build(enc.vectors, enc.rows, vector_index).save(sub)
            t3 = time.perf_counter()
            DocStore.write(sub, docs)
            seconds["tokenize_bm25"] += t1 - t0
            seconds["encode"] += t2 - t1
            seconds["vector_index"] += t3 - t2
            seconds["write"] += time.perf_counter() - t3
            counts[target] = len(docs)
        if own_cache:
            cache.close()
            for leftover in tmp.glob(".embeddings.sqlite*"):
                leftover.unlink()
        (tmp / "dictionary.txt").write_text("\n".join(tokenizer.words) + "\n", encoding="utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "encoder": encoder.name,
            "dim": encoder.dim,
            "dictionary_hash": tokenizer.dictionary_hash,
            "vector_index": vector_index,
            "counts": counts,
            "passages": {"encoded": encoded, "cached": cached},
            "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap_in(tmp, index_dir / "current")
        return manifest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(new: Path, current: Path) -> None:
    """Replace `current` by `new` so a reader sees either the whole old or the whole new index."""
    old = current.with_name(f".old-{os.getpid()}-{time.time_ns()}")
    if current.exists():
        current.rename(old)
    new.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict:
    path = index_dir / "current" / "manifest.json"
    if not path.exists():
        raise IndexUnavailable(f"no index at {index_dir / 'current'}: run `qi index` first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IndexUnavailable(f"{path} is corrupt ({exc.msg}): rebuild with `qi index`") from None


def load_index(index_dir: Path, encoder: Encoder, bigrams: bool = True) -> IndexSet:
    """Load `index_dir/current`, refusing an index built for another encoder, dictionary or format."""
    folder = index_dir / "current"
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"index format {manifest.get('format_version')} at {folder}, this engine reads {FORMAT_VERSION}: "
            "rebuild with `qi index`"
        )
    if manifest.get("encoder") != encoder.name or manifest.get("dim") != encoder.dim:
        raise IndexMismatch(
            f"index at {folder} was built with encoder {manifest.get('encoder')} (dim {manifest.get('dim')}), "
            f"but the engine runs {encoder.name} (dim {encoder.dim}): rebuild with `qi index` or set QI_ENCODER"
        )
    words = (folder / "dictionary.txt").read_text(encoding="utf-8").split()
    tokenizer = DomainTokenizer(words, bigrams=bigrams)
    if tokenizer.dictionary_hash != manifest.get("dictionary_hash"):
        raise IndexMismatch(
            f"dictionary hash {tokenizer.dictionary_hash} does not match the manifest's "
            f"{manifest.get('dictionary_hash')} at {folder}: the index is damaged or mixed; rebuild with `qi index`"
        )
    collections = {}
    for target in TARGETS:
        sub = folder / target
        try:
            docs = DocStore.load(sub)
            vectors = DocVectors.load(sub)
            bm25 = BM25Index.load(sub)
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexMismatch(f"{sub} is missing or damaged ({exc}): rebuild with `qi index`") from None
        if not (len(docs) == vectors.n_docs == bm25.n_docs == manifest["counts"].get(target)):
            raise IndexMismatch(f"{sub}: document, vector and BM25 counts disagree with the manifest; rebuild")
        collections[target] = Collection(target, docs, bm25, vectors)
    return IndexSet(folder, manifest, tokenizer, collections)
