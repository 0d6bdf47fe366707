"""An index is a folder of plain files plus `manifest.json`; built in a temporary folder and swapped in atomically.

Layout of `indexes/current/` (the index replaced by the last build stays as `indexes/previous/`):
    manifest.json            what built it (encoder, dim, dictionary hash, counts, format version, build time)
    dictionary.txt           the tokenizer's domain words (its hash is in the manifest)
    (the manifest also records every file's size and SHA-256; a load checks them before parsing anything)
    <target>.docs.jsonl      the documents, in row order
    <target>.faiss           dense vectors
    bm25_weights.npz, bm25_vocab.json   under <target>/
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

from engine.documents import TARGETS, Document
from engine.encoders import Encoder
from engine.errors import IndexError_, IndexMismatch
from engine.index.bm25 import BM25Index
from engine.index.dense import DenseIndex
from engine.text.tokenize import DomainTokenizer

FORMAT_VERSION = 3
CURRENT, PREVIOUS = "current", "previous"


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
        files = _file_sums(tmp)
        manifest = {
            "format_version": FORMAT_VERSION,
            "encoder": encoder.name,
            "dim": encoder.dim,
            "dictionary_hash": tokenizer.dictionary_hash,
            "vector_index": vector_index,
            "counts": counts,
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
        raise IndexError_(f"索引 {name} 不存在：请先运行 `qi index` 构建索引")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexError_(f"索引 {name} 的 manifest.json 已损坏（{type(exc).__name__}）："
                          "请用 `qi index` 重建") from None
    if not isinstance(manifest, dict):
        raise IndexError_(f"索引 {name} 的 manifest.json 已损坏（不是 JSON 对象）：请用 `qi index` 重建")
    return manifest


def load_index(index_dir: Path, encoder: Encoder, bigrams: bool = True, name: str = CURRENT) -> IndexSet:
    """Load `index_dir/<name>` (`current` by default), refusing an index built for another encoder, dictionary or
    format, and any part that is missing, truncated, empty or not what it should be: IndexError_ names the part
    (relative to the index folder; answers never carry server paths)."""
    folder = index_dir / name
    manifest = read_manifest(index_dir, name)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"索引 {name} 的格式为 {manifest.get('format_version')}，本程序读取格式 {FORMAT_VERSION}："
            "请用 `qi index` 重建"
        )
    if manifest.get("encoder") != encoder.name or manifest.get("dim") != encoder.dim:
        raise IndexMismatch(
            f"索引 {name} 由编码器 {manifest.get('encoder')}（维度 {manifest.get('dim')}）构建，而当前运行的是 "
            f"{encoder.name}（维度 {encoder.dim}）：请用 `qi index` 重建或设置 QI_ENCODER"
        )
    _check_files(folder, name, manifest.get("files"))
    part = "dictionary.txt"
    try:
        words = (folder / part).read_text(encoding="utf-8").split()
        tokenizer = DomainTokenizer(words, bigrams=bigrams)
        if tokenizer.dictionary_hash != manifest.get("dictionary_hash"):
            raise IndexMismatch(f"索引 {name} 的词典与 manifest 记录的哈希不符：索引已损坏或混杂，请用 `qi index` 重建")
        collections = {}
        for target in TARGETS:
            part = f"{target}/docs.jsonl"
            with (folder / part).open(encoding="utf-8") as fh:
                docs = [Document(**json.loads(line)) for line in fh]
            part = f"{target}/vectors.faiss"
            _nonempty(folder / part)
            dense = DenseIndex.load(folder / part)
            part = f"{target}/bm25_weights.npz"
            bm25 = BM25Index.load(folder / target)
            part = target
            if not (len(docs) == dense.size == bm25.n_docs == manifest["counts"].get(target)):
                raise IndexMismatch(f"索引 {name} 的 {target}：文档数、向量数与 BM25 条目数和 manifest 不一致，请重建")
            collections[target] = Collection(target, docs, bm25, dense)
    except IndexError_:
        raise
    except Exception as exc:  # faiss, numpy, json and the file system each raise their own types for a bad part
        raise IndexError_(f"索引 {name} 的 {part} 无法读取（{type(exc).__name__}）：文件已损坏、被截断或为空，"
                          "请恢复该文件或用 `qi index` 重建") from None
    return IndexSet(folder, manifest, tokenizer, collections)


def _nonempty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise OSError("zero bytes")


def _check_files(folder: Path, name: str, files: dict | None) -> None:
    """Sizes and checksums recorded at build time (indexes built before they were recorded skip this)."""
    if not isinstance(files, dict):
        return
    for rel, expected in files.items():
        path = folder / rel
        try:
            size = path.stat().st_size
        except OSError:
            raise IndexError_(f"索引 {name} 缺少文件 {rel}：请恢复该文件或用 `qi index` 重建") from None
        if size != expected.get("bytes") or _sha256(path) != expected.get("sha256"):
            raise IndexError_(f"索引 {name} 的 {rel} 与构建时的校验和不符（已损坏、被截断或被替换）："
                              "请恢复该文件或用 `qi index` 重建")
