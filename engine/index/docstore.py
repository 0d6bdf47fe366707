"""The documents of a collection as columns, read on demand: no Python object per document is kept.

`keys.json` lists the distinct result keys (agency ids, expert ids, codes) and `key_ids.npy` gives each
document's; `positions.npy` the capability's position within its agency (-1 where none); the BM25 and dense texts
are UTF-8 blobs with offsets. Arrays and blobs are memory-mapped read-only, so a million capability lines cost the
page cache, not the heap, and workers share them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine.documents import Document


class DocStore:
    def __init__(self, keys: list[str], key_ids: np.ndarray, positions: np.ndarray,
                 texts: tuple[np.ndarray, np.ndarray], dense_texts: tuple[np.ndarray, np.ndarray]) -> None:
        self.keys = keys
        self.key_ids = key_ids
        self.positions = positions
        self._texts = texts
        self._dense = dense_texts

    @staticmethod
    def write(folder: Path, docs: list[Document]) -> None:
        index: dict[str, int] = {}
        key_ids = np.fromiter((index.setdefault(d.key, len(index)) for d in docs), dtype=np.int32, count=len(docs))
        positions = np.fromiter((d.meta.get("position", -1) for d in docs), dtype=np.int32, count=len(docs))
        (folder / "keys.json").write_text(json.dumps(list(index), ensure_ascii=False), encoding="utf-8")
        np.save(folder / "key_ids.npy", key_ids)
        np.save(folder / "positions.npy", positions)
        _write_blob(folder / "texts", [d.text for d in docs])
        _write_blob(folder / "dense_texts", [d.dense_text for d in docs])

    @classmethod
    def load(cls, folder: Path) -> DocStore:
        keys = json.loads((folder / "keys.json").read_text(encoding="utf-8"))
        return cls(keys, mapped(folder / "key_ids.npy"), mapped(folder / "positions.npy"),
                   _read_blob(folder / "texts"), _read_blob(folder / "dense_texts"))

    def __len__(self) -> int:
        return int(self.key_ids.size)

    def key(self, row: int) -> str:
        return self.keys[int(self.key_ids[row])]

    def text(self, row: int) -> str:
        return _blob_item(self._texts, row)

    def dense_text(self, row: int) -> str:
        return _blob_item(self._dense, row)

    def __getitem__(self, row: int | slice) -> StoredDocument | list[StoredDocument]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        return StoredDocument(self, int(row))


class StoredDocument:
    """A document of a `DocStore`, read field by field when asked (the ranking loop reads only key and meta)."""

    __slots__ = ("_store", "row")

    def __init__(self, store: DocStore, row: int) -> None:
        self._store = store
        self.row = row

    @property
    def key(self) -> str:
        return self._store.key(self.row)

    @property
    def text(self) -> str:
        return self._store.text(self.row)

    @property
    def dense_text(self) -> str:
        return self._store.dense_text(self.row)

    @property
    def meta(self) -> dict:
        position = int(self._store.positions[self.row])
        return {"position": position} if position >= 0 else {}

    def to_document(self) -> Document:
        return Document(self.key, self.text, self.dense_text, self.meta)


def _write_blob(stem: Path, texts: list[str]) -> None:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    stem.with_suffix(".bin").write_bytes(b"".join(encoded))
    np.save(stem.with_suffix(".offsets.npy"), offsets)


def mapped(path: Path) -> np.ndarray:
    """A `.npy` file memory-mapped read-only, as a plain ndarray (np.memmap's indexing costs microseconds)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


def _read_blob(stem: Path) -> tuple[np.ndarray, np.ndarray]:
    offsets = mapped(stem.with_suffix(".offsets.npy"))
    path = stem.with_suffix(".bin")
    data = np.memmap(path, dtype=np.uint8, mode="r").view(np.ndarray) if path.stat().st_size else np.zeros(0, np.uint8)
    return offsets, data


def _blob_item(blob: tuple[np.ndarray, np.ndarray], row: int) -> str:
    offsets, data = blob
    return data[int(offsets[row]):int(offsets[row + 1])].tobytes().decode("utf-8")
