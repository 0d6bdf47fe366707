"""The domain knowledge base (corpora/knowledge/*.jsonl): what the station's expert knows, as reviewable data.

    concept.py   the Concept record and the closed vocabularies (kinds, §6.2 categories, service words)
    store.py     loading every file into a KnowledgeBase, and the alias matcher over folded text
    validate.py  `qi knowledge check`: every line well-formed, every id unique, every reference and term real
"""

from engine.knowledge.concept import CATEGORIES, KINDS, SERVICES, Concept
from engine.knowledge.store import KnowledgeBase, KnowledgeMatch

__all__ = ["CATEGORIES", "KINDS", "SERVICES", "Concept", "KnowledgeBase", "KnowledgeMatch"]
