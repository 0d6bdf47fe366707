"""An index is a folder of plain files plus `manifest.json`; built in a temporary folder and swapped in atomically.

Layout of `indexes/current/`:
    manifest.json            what built it (encoder, dim, dictionary hash, counts, format version, build time)
    dictionary.txt           the tokenizer's domain words (its hash is in the manifest)
    <target>/docs.jsonl      the documents, in row order
    <target>/vectors.faiss   dense vectors
    <target>/bm25_*          the BM25 weights and vocabulary (engine/index/bm25.py)
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
from engine.index.dense import DenseIndex
from engine.jsonl import iter_lines
from engine.text.tokenize import DomainTokenizer
from engine.vocabulary import TARGETS

FORMAT_VERSION = 3


@dataclass
class Collection:
    target: str
    docs: list[Document]
    bm25: BM25Index
    dense: DenseIndex


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
) -> dict:
    """Build every collection into a temporary folder, then rename it to `index_dir/current`."""
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=index_dir))
    try:
        counts = {}
        for target in TARGETS:
            docs = documents.get(target, [])
            sub = tmp / target
            sub.mkdir()
            BM25Index.build([tokenizer.tokenize(d.text) for d in docs]).save(sub)
            vectors = encoder.encode_passages([d.dense_text for d in docs]) if docs else np.zeros((0, encoder.dim))
            DenseIndex.build(vectors, vector_index).save(sub / "vectors.faiss")
            with (sub / "docs.jsonl").open("w", encoding="utf-8") as fh:
                for d in docs:
                    fh.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
            counts[target] = len(docs)
        (tmp / "dictionary.txt").write_text("\n".join(tokenizer.words) + "\n", encoding="utf-8")
        manifest = {
            "format_version": FORMAT_VERSION,
            "encoder": encoder.name,
            "dim": encoder.dim,
            "dictionary_hash": tokenizer.dictionary_hash,
            "vector_index": vector_index,
            "counts": counts,
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


def _read_docs(path: Path) -> list[Document]:
    """The collection's documents; a damaged file is an unusable index, not a crash."""
    try:
        lines = list(iter_lines(path))
        bad = next((f"line {n}: {v}" for n, v in lines if isinstance(v, str)), None)
        if bad is None:
            return [Document(**v) for _, v in lines]
    except (OSError, UnicodeDecodeError, TypeError) as exc:
        bad = str(exc)
    raise IndexUnavailable(f"{path} is damaged ({bad}): rebuild with `qi index`")


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
        docs = _read_docs(sub / "docs.jsonl")
        dense = DenseIndex.load(sub / "vectors.faiss")
        bm25 = BM25Index.load(sub)
        if not (len(docs) == dense.size == bm25.n_docs == manifest["counts"].get(target)):
            raise IndexMismatch(f"{sub}: document, vector and BM25 counts disagree with the manifest; rebuild")
        collections[target] = Collection(target, docs, bm25, dense)
    return IndexSet(folder, manifest, tokenizer, collections)
