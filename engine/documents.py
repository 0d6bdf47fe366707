"""The searchable documents of each target, built from the database: one per capability, expert, instrument, standard.

A capability document carries the agency's words: object, service, scope, basis codes and the basis standards'
titles from the catalogue, and the agency's kind. Colloquial names reach it through the lexicon at query time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.storage import models as m
from engine.text.codes import find_codes
from engine.vocabulary import kind_label


@dataclass(frozen=True)
class Document:
    """One searchable unit: `key` identifies the result it belongs to (agency id, expert id, code...)."""

    key: str
    text: str  # what BM25 reads
    dense_text: str  # what the encoder reads
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_documents(session: Session) -> dict[str, list[Document]]:
    titles = {s.code: s.title for s in session.scalars(select(m.Standard))}
    return {
        "agency": list(_capability_docs(session, titles)),
        "expert": [_expert_doc(e, titles) for e in session.scalars(select(m.Expert).order_by(m.Expert.id))],
        "equipment": [_equipment_doc(e) for e in session.scalars(select(m.Equipment).order_by(m.Equipment.id))],
        "standard": [_standard_doc(s) for s in session.scalars(select(m.Standard).order_by(m.Standard.code))],
    }


def _capability_docs(session: Session, titles: dict[str, str]):
    # Plain rows, not ORM objects: a province has a million capability lines.
    a, c = m.Agency, m.Capability
    rows = session.execute(
        select(a.id, a.kind, c.position, c.category, c.service, c.object, c.scope, c.basis)
        .join(c, c.agency_id == a.id).order_by(a.id, c.position)
    )
    for agency_id, agency_kind, position, category, service, obj, scope, basis in rows:
        kind = kind_label(agency_kind)
        basis = basis or []
        basis_titles = [titles[b] for b in basis if b in titles]
        what = f"{obj}{service}"
        text = " ".join([what, obj, category, service, scope or "", " ".join(basis), " ".join(basis_titles), kind])
        dense = f"{what}：{scope or ''}；依据 {'、'.join(basis_titles or basis)}；{kind}"
        yield Document(agency_id, text, dense, {"position": position})


def _expert_doc(e: m.Expert, titles: dict[str, str]) -> Document:
    specialties = "、".join(e.specialties)
    # A specialty cites its standard ("大型衡器（JJG 1118-2015）"); the standard's title says what it covers.
    cited = [titles[c.text] for c in find_codes(specialties) if c.text in titles]
    text = " ".join([specialties, specialties, " ".join(cited), e.domain or "", " ".join(e.qualifications)])
    dense = f"{e.domain or ''}专家，专长：{specialties}；{'、'.join(cited)}"
    return Document(e.id, text, dense)


def _equipment_doc(e: m.Equipment) -> Document:
    text = " ".join([e.name, e.name, e.model or "", e.spec or "", e.owner or "", e.region or ""])
    dense = f"{e.name}（{e.spec or ''}），{e.owner or ''}"
    return Document(e.id, text, dense)


def _standard_doc(s: m.Standard) -> Document:
    text = " ".join([s.code, s.title, s.title, s.kind or "", s.scope or ""])
    # The code is matched exactly by the catalogue and BM25; the encoder reads what the standard is about, so the
    # editions of one title share a vector (and a province's catalogue stays within the embedding budget).
    dense = f"{s.title}：{s.scope or ''}"
    return Document(s.code, text, dense)
