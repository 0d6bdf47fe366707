"""Encode once: passage vectors cached on disk by (encoder name, dense text).

A rebuild, a merge or a re-ingest encodes only the texts this encoder has never seen; catalogues repeat
capability lines across agencies, so most passages come from the cache. The key is the encoder's name and the
SHA-256 of the text, and the text itself is stored and compared on every hit, so a vector is never returned for
another encoder or another text (not even on a hash collision). One SQLite file, safe to share between processes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.encoders import Encoder

ENCODE_BATCH = 256
LOOKUP_BATCH = 500


@dataclass(frozen=True)
class Encoded:
    vectors: np.ndarray  # (n distinct texts, dim), in order of first appearance
    rows: np.ndarray  # (len(texts),) int32: the row of `vectors` for each text asked for
    encoded: int  # distinct texts run through the encoder
    cached: int  # distinct texts served from the cache


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS passage_vectors (encoder TEXT NOT NULL, text_sha BLOB NOT NULL, "
            "text TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (encoder, text_sha))"
        )
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def lookup(self, encoder_name: str, dim: int, texts: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those texts that this encoder has already embedded."""
        found: dict[str, np.ndarray] = {}
        by_sha = {_sha(t): t for t in texts}
        shas = list(by_sha)
        with self._lock:
            for i in range(0, len(shas), LOOKUP_BATCH):
                part = shas[i:i + LOOKUP_BATCH]
                rows = self._conn.execute(
                    f"SELECT text_sha, text, dim, vector FROM passage_vectors WHERE encoder = ? "
                    f"AND text_sha IN ({','.join('?' * len(part))})", [encoder_name, *part]).fetchall()
                for sha, text, vdim, blob in rows:
                    if by_sha.get(bytes(sha)) == text and vdim == dim:
                        found[text] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def store(self, encoder_name: str, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO passage_vectors (encoder, text_sha, text, dim, vector) VALUES (?, ?, ?, ?, ?)",
                [(encoder_name, _sha(t), t, int(v.size), np.asarray(v, dtype=np.float32).tobytes())
                 for t, v in zip(texts, vectors, strict=True)])
            self._conn.commit()

    def encode(self, encoder: Encoder, texts: list[str], progress=None) -> Encoded:
        """Vectors of every distinct text: those not yet cached are encoded (in batches, stored as they come)."""
        position: dict[str, int] = {}
        rows = np.fromiter((position.setdefault(t, len(position)) for t in texts), dtype=np.int32, count=len(texts))
        distinct = list(position)
        have = self.lookup(encoder.name, encoder.dim, distinct)
        missing = [t for t in distinct if t not in have]
        for i in range(0, len(missing), ENCODE_BATCH):
            part = missing[i:i + ENCODE_BATCH]
            vectors = encoder.encode_passages(part)
            self.store(encoder.name, part, vectors)
            have.update(zip(part, vectors, strict=True))
            if progress:
                progress(i + len(part), len(missing))
        out = np.zeros((len(distinct), encoder.dim), dtype=np.float32)
        for i, t in enumerate(distinct):
            out[i] = have[t]
        return Encoded(out, rows, len(missing), len(distinct) - len(missing))


def _sha(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()
