"""Any sentence-transformers model from a local folder (bge-small-zh, bge-m3, ...), offline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.errors import InvalidInput


class SentenceTransformerEncoder:
    def __init__(self, path: str) -> None:
        if not Path(path).is_dir():
            raise InvalidInput(f"sentence-transformers model folder not found: {path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder only; never reach for a hub
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.name = f"st:{Path(path).name}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        # Models trained with instructions (e5, bge) declare their prompts; use them when present.
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else ("document" if "document" in prompts else None)

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), prompt_name=prompt, normalize_embeddings=True, convert_to_numpy=True, batch_size=64
        )
        return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prompt)
