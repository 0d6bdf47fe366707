"""An index is a folder of plain files plus `manifest.json`; built in a temporary folder and swapped in atomically.

Layout of `indexes/current/` (the index replaced by the last build stays as `indexes/previous/`):
    manifest.json            what built it (encoder, dim, dictionary hash, counts, format version, build time and
                             where it went, passages encoded vs served from the embedding cache)
    dictionary.txt           the tokenizer's domain words (its hash is in the manifest)
    <target>/                keys.json, key_ids.npy, positions.npy, texts.bin, dense_texts.bin (the documents,
                             columnar, see docstore); bm25_*.npy + bm25_vocab.json (postings); vectors.npy,
                             text_rows.npy, vectors.faiss (distinct dense texts and their ANN index)
Arrays are memory-mapped read-only on load.
The manifest also records every file's size and SHA-256; a load checks them before parsing anything.
"""

from __future__ import annotations

import hashlib
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
CURRENT, PREVIOUS = "current", "previous"


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
        files = _file_sums(tmp)
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
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap_in(tmp, index_dir / "current")
        return manifest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(new: Path, current: Path) -> None:
    """Replace `current` by `new` so a reader sees either the whole old or the whole new index. The replaced index
    stays as `previous`: the last good one, which a server falls back to when `current` cannot be read."""
    old = current.with_name(f".old-{os.getpid()}-{time.time_ns()}")
    previous = current.with_name(PREVIOUS)
    if current.exists():
        current.rename(old)
    new.rename(current)
    if old.exists():
        stale = previous.with_name(f".stale-{os.getpid()}-{time.time_ns()}")
        if previous.exists():
            previous.rename(stale)
        old.rename(previous)
        shutil.rmtree(stale, ignore_errors=True)


def _file_sums(folder: Path) -> dict[str, dict]:
    """Size and SHA-256 of every file of an index, so a load refuses a damaged part before parsing it."""
    sums = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"):
        sums[path.relative_to(folder).as_posix()] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return sums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(index_dir: Path, name: str = CURRENT) -> tuple | None:
    """What the files of an index folder look like on disk (names, sizes, times, inodes): it changes when an index
    is swapped in and when any file of it is replaced or repaired, without reading a byte."""
    folder = index_dir / name
    try:
        return tuple(sorted((p.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns, st.st_ino)
                            for p in folder.rglob("*") if (st := p.stat()) and p.is_file()))
    except OSError:
        return None


def read_manifest(index_dir: Path, name: str = CURRENT) -> dict:
    path = index_dir / name / "manifest.json"
    if not path.exists():
        raise IndexUnavailable(f"索引 {name} 不存在：请工作人员重建索引")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexUnavailable(f"索引 {name} 的 manifest.json 已损坏（{type(exc).__name__}）："
                          "请工作人员重建索引") from None
    if not isinstance(manifest, dict):
        raise IndexUnavailable(f"索引 {name} 的 manifest.json 已损坏（不是 JSON 对象）：请工作人员重建索引")
    return manifest


def load_index(index_dir: Path, encoder: Encoder, bigrams: bool = True, name: str = CURRENT) -> IndexSet:
    """Load `index_dir/<name>` (`current` by default), refusing an index built for another encoder, dictionary or
    format, and any part that is missing, truncated, empty or not what it should be: IndexUnavailable names the part
    (relative to the index folder; answers never carry server paths)."""
    folder = index_dir / name
    manifest = read_manifest(index_dir, name)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"索引 {name} 的格式为 {manifest.get('format_version')}，本程序读取格式 {FORMAT_VERSION}："
            "请工作人员重建索引"
        )
    if manifest.get("encoder") != encoder.name or manifest.get("dim") != encoder.dim:
        raise IndexMismatch(
            f"索引 {name} 由编码器 {manifest.get('encoder')}（维度 {manifest.get('dim')}）构建，而当前运行的是 "
            f"{encoder.name}（维度 {encoder.dim}）：请工作人员重建索引或设置 QI_ENCODER"
        )
    _check_files(folder, name, manifest.get("files"))
    part = "dictionary.txt"
    try:
        words = (folder / part).read_text(encoding="utf-8").split()
        tokenizer = DomainTokenizer(words, bigrams=bigrams)
        if tokenizer.dictionary_hash != manifest.get("dictionary_hash"):
            raise IndexMismatch(f"索引 {name} 的词典与 manifest 记录的哈希不符：索引已损坏或混杂，请工作人员重建索引")
        collections = {}
        for target in TARGETS:
            sub = folder / target
            part = target
            docs = DocStore.load(sub)
            vectors = DocVectors.load(sub)
            bm25 = BM25Index.load(sub)
            if not (len(docs) == vectors.n_docs == bm25.n_docs == manifest["counts"].get(target)):
                raise IndexMismatch(f"索引 {name} 的 {target}：文档数、向量数与 BM25 条目数和 manifest 不一致，请重建")
            collections[target] = Collection(target, docs, bm25, vectors)
    except IndexUnavailable:
        raise
    except Exception as exc:  # faiss, numpy, json and the file system each raise their own types for a bad part
        raise IndexUnavailable(f"索引 {name} 的 {part} 无法读取（{type(exc).__name__}）：文件已损坏、被截断或为空，"
                          "请恢复该文件或由工作人员重建索引") from None
    return IndexSet(folder, manifest, tokenizer, collections)


def _check_files(folder: Path, name: str, files: dict | None) -> None:
    """Sizes and checksums recorded at build time (indexes built before they were recorded skip this)."""
    if not isinstance(files, dict):
        return
    for rel, expected in files.items():
        path = folder / rel
        try:
            size = path.stat().st_size
        except OSError:
            raise IndexUnavailable(f"索引 {name} 缺少文件 {rel}：请恢复该文件或由工作人员重建索引") from None
        if size != expected.get("bytes") or _sha256(path) != expected.get("sha256"):
            raise IndexUnavailable(f"索引 {name} 的 {rel} 与构建时的校验和不符（已损坏、被截断或被替换）："
                              "请恢复该文件或由工作人员重建索引")
