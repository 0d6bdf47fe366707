"""Issue 12, the engine's side: key sentences bound the encoder's work, control characters are refused, a damaged
index part is refused by name (never a crash), widget tokens sign and expire."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import IndexUnavailable, InvalidInput, Unauthorized
from engine.evaluation import xlsx_bombs
from engine.index.live import LiveIndex
from engine.index.store import fingerprint, load_index
from engine.ingest import read_rows
from engine.ingest_xlsx import XlsxLimits
from engine.text.clean import check_text
from engine.text.focus import ENCODER_CHARS, key_sentences
from engine.widget_tokens import key_secret, mint, verify

LONG = ("我们公司是一家陶瓷企业，厂区在丰南区，平时主要做出口瓷砖。" * 30
        + "锅炉房的压力表到期了要送检。" + "食堂的事情和这次无关，只是顺便说一下。" * 30)


def test_a_short_text_passes_unchanged():
    assert key_sentences("锅炉房的压力表到期了要送检", ENCODER_CHARS, len) == "锅炉房的压力表到期了要送检"


@given(st.text(alphabet="压力表送检地磅。，！\n abc", min_size=0, max_size=600), st.integers(1, 300))
def test_key_sentences_never_exceed_the_budget(text, budget):
    out = key_sentences(text, budget, lambda s: s.count("压"))
    assert len(out) <= budget
    if len(text) <= budget:
        assert out == text


def test_the_sentence_with_the_signal_is_kept(searcher):
    from engine.demand import analyze

    demand = searcher._bounded(analyze(LONG, searcher.regions, searcher.lexicon))
    text = searcher._encoder_text(demand)
    assert len(text) <= ENCODER_CHARS
    assert "压力表" in text


def test_a_long_demand_still_finds_the_pressure_gauge_service(searcher):
    rec = searcher.recommend(LONG[:2000])
    assert rec.agencies, "a long demand must still be answered"


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(bad):
    with pytest.raises(InvalidInput) as err:
        check_text(f"地磅{bad}检定", "text")
    assert "控制字符" in err.value.message
    assert check_text("地磅\t检定\n第二行", "text") == "地磅\t检定\n第二行"


def test_widget_tokens_sign_and_expire():
    secret = key_secret("server-secret", "abc123")
    token = mint(secret, "abc123", "visitor-1", ttl=60, now=1000)
    assert verify("server-secret", "abc123", token, now=1030).visitor == "visitor-1"
    for now, key, server in ((1100, "abc123", "server-secret"), (1030, "other", "server-secret"),
                             (1030, "abc123", "another-secret")):
        with pytest.raises(Unauthorized):
            verify(server, key, token, now=now)
    with pytest.raises(Unauthorized):
        verify("server-secret", "abc123", token[:-2] + "xx", now=1030)


# ---- damaged index parts --------------------------------------------------------------------------------------
PARTS = ["manifest.json", "dictionary.txt", "agency/keys.json", "agency/texts.bin", "agency/vectors.faiss",
         "agency/vectors.npy", "agency/bm25_weights.npy", "standard/bm25_vocab.json", "expert/key_ids.npy"]


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(b"\x93garbage\x00" * max(1, len(data) // 9))


@pytest.fixture()
def index_copy(settings, searcher, tmp_path):
    shutil.copytree(settings.index_dir / "current", tmp_path / "current")
    return tmp_path


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage"])
@pytest.mark.parametrize("part", PARTS)
def test_every_damaged_part_is_refused_by_name(index_copy, encoder, part, how):
    _damage(index_copy / "current" / part, how)
    with pytest.raises(IndexUnavailable) as err:
        load_index(index_copy, encoder)
    assert str(index_copy) not in err.value.message, "no server path in the message"
    assert "索引" in err.value.message


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage"])
@pytest.mark.parametrize("part", ["agency/keys.json", "agency/vectors.npy", "agency/vectors.faiss",
                                  "agency/bm25_weights.npy"])
def test_without_recorded_checksums_a_damaged_part_is_still_refused(index_copy, encoder, part, how):
    manifest = index_copy / "current" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.pop("files")  # an index built before checksums were recorded: the parsers themselves must refuse it
    manifest.write_text(json.dumps(data), encoding="utf-8")
    _damage(index_copy / "current" / part, how)
    with pytest.raises(IndexUnavailable):
        load_index(index_copy, encoder)


def test_live_index_falls_back_to_previous_and_recovers(index_copy, settings, db, encoder):
    shutil.copytree(index_copy / "current", index_copy / "previous")
    vectors = index_copy / "current" / "agency" / "vectors.faiss"
    good = vectors.read_bytes()
    vectors.write_bytes(b"")
    live = LiveIndex(settings.model_copy(update={"index_dir": index_copy, "index_check_seconds": 0}), db,
                     lambda: encoder)
    live.load()
    assert live.source == "previous" and "上一版索引" in live.warning
    assert live.searcher().recommend("地磅检定").agencies
    shutil.rmtree(index_copy / "previous")
    nothing = LiveIndex(settings.model_copy(update={"index_dir": index_copy, "index_check_seconds": 0}), db,
                        lambda: encoder)
    nothing.load()
    with pytest.raises(IndexUnavailable):
        nothing.searcher()
    before = fingerprint(index_copy)
    vectors.write_bytes(good)  # restored: the fingerprint changes and the next call reloads in the background
    assert fingerprint(index_copy) != before
    nothing.reload_now()
    assert nothing.source == "current" and nothing.warning is None


# ---- Excel archives ---------------------------------------------------------------------------------------------
BOMBS = {
    "huge inline cell (ratio)": lambda p: xlsx_bombs.huge_cell(p, 150 * xlsx_bombs.MB),
    "huge shared string (size)": lambda p: xlsx_bombs.huge_shared_string(p, 256 * xlsx_bombs.MB),
    "empty rows (size)": lambda p: xlsx_bombs.empty_rows(p, 256 * xlsx_bombs.MB),
    "a million small rows": lambda p: xlsx_bombs.many_rows(p, 250_000),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_excel_bombs_are_refused_before_parsing(tmp_path, bomb):
    path = BOMBS[bomb](tmp_path / "agencies.xlsx")
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as err:
        list(read_rows(path, XlsxLimits()))
    assert time.perf_counter() - started < 5
    assert "上限" in err.value.message and str(tmp_path) not in err.value.message


def test_a_forged_dimension_makes_no_padding_cells(tmp_path):
    rows = list(read_rows(xlsx_bombs.forged_dimension(tmp_path / "agencies.xlsx"), XlsxLimits()))
    assert rows == [(2, {"id": "x"})]


def test_a_long_cell_within_the_archive_limits_is_refused(tmp_path):
    path = xlsx_bombs.huge_cell(tmp_path / "agencies.xlsx", 40_000)  # openpyxl itself would cut it at 32,767
    with pytest.raises(InvalidInput, match="32767"):
        list(read_rows(path, XlsxLimits()))
