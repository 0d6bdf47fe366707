"""`qi index`: documents from the database, a domain dictionary, and the index folder built from them."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine.config import Settings
from engine.documents import build_documents
from engine.encoders import Encoder
from engine.index.embedding_cache import EmbeddingCache
from engine.index.store import build_index
from engine.storage import models as m
from engine.storage.db import Database
from engine.text.lexicon import Lexicon
from engine.text.tokenize import DomainTokenizer

_PARENS = re.compile(r"[（(][^）)]*[）)]")


def domain_words(db: Database, lexicon: Lexicon) -> list[str]:
    """Object names, instrument names, specialties and lexicon terms, so jieba keeps them whole."""
    words: set[str] = set()
    with db.session() as s:
        words |= set(s.scalars(select(m.Capability.object)))
        words |= set(s.scalars(select(m.Equipment.name)))
        for specialties in s.scalars(select(m.Expert.specialties)):
            words |= {_PARENS.sub("", sp).strip() for sp in specialties}
    words |= lexicon.terms()
    return sorted(w for w in words if 2 <= len(w) <= 20 and not re.search(r"[\s,，、;；]", w))


def build(settings: Settings, db: Database, encoder: Encoder, lexicon: Lexicon) -> dict:
    tokenizer = DomainTokenizer(domain_words(db, lexicon))
    with db.session() as s:
        documents = build_documents(s)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    try:
        return build_index(settings.index_dir, documents, tokenizer, encoder, settings.vector_index, cache)
    finally:
        cache.close()
