"""Candidate generation against its oracles: postings vs the full BM25 sum, ANN vs brute force, the fast path
vs the exact path on the demo corpus, the embedding cache's keys, and a damaged collection refused."""

import shutil
from datetime import date

import numpy as np
import pytest

from engine.errors import IndexUnavailable
from engine.evaluation.runner import read_queries
from engine.index.bm25 import BM25Index
from engine.index.dense import DenseIndex
from engine.index.embedding_cache import EmbeddingCache, _sha
from engine.index.store import load_index
from engine.index.vectors import DocVectors
from engine.indexing import build
from engine.search import Searcher
from engine.text.lexicon import load_lexicon
from tests.helpers import DEV


def test_postings_touch_only_matching_documents_and_agree_with_the_full_sum():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(60)]
    docs = [list(rng.choice(vocab, size=rng.integers(1, 12))) for _ in range(400)]
    index = BM25Index.build(docs)
    for query in (["w1"], ["w1", "w2", "w50"], ["w3", "nope"], ["nope"]):
        ids, scores = index.match(query, {"w2": 0.6})
        full = index.score(query, {"w2": 0.6})
        assert set(ids.tolist()) == {j for j, d in enumerate(docs) if set(d) & set(query)}
        np.testing.assert_allclose(scores, full[ids], rtol=1e-6)
        assert np.all(np.diff(ids) > 0)


@pytest.mark.parametrize("kind", ["hnsw", "ivf_sq"])
def test_ann_recall_against_brute_force(kind):
    rng = np.random.default_rng(11)
    centres = rng.normal(size=(60, 32))  # embeddings cluster by topic; uniform noise is the worst case for IVF
    vectors = (centres[rng.integers(0, 60, 3000)] + rng.normal(scale=0.35, size=(3000, 32))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex.build(vectors, kind)
    recall = []
    for q in vectors[rng.choice(3000, 20)] + rng.normal(scale=0.3, size=(20, 32)).astype(np.float32):
        q /= np.linalg.norm(q)
        truth = set(np.argsort(-(vectors @ q))[:10])
        recall.append(len(truth & set(index.search(q, 10)[1].tolist())) / 10)
    assert np.mean(recall) >= 0.9


def test_repeated_texts_share_one_vector_and_expand_to_all_their_documents(tmp_path):
    rng = np.random.default_rng(5)
    distinct = rng.normal(size=(50, 16)).astype(np.float32)
    distinct /= np.linalg.norm(distinct, axis=1, keepdims=True)
    text_rows = rng.integers(0, 50, size=400)
    DocVectors.build(distinct, text_rows, "hnsw").save(tmp_path)
    vecs = DocVectors.load(tmp_path)
    q = distinct[7]
    docs, scores = vecs.nearest(q, 3, exact=True)
    best = np.argsort(-(distinct @ q))[:3]
    assert set(docs.tolist()) == {j for j, r in enumerate(text_rows) if r in best}
    np.testing.assert_allclose(scores, vecs.scores_of(q, docs), rtol=1e-5)


class _HashEncoder:
    """A deterministic stand-in encoder for the cache's bookkeeping (search quality is tested with the real one)."""

    dim = 8

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[str] = []

    def encode_passages(self, texts):
        self.calls += texts
        out = np.array([np.random.default_rng(abs(hash((self.name, t))) % 2**32).normal(size=8) for t in texts],
                       dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_queries(self, texts):
        return self.encode_passages(texts)


def test_embedding_cache_never_serves_another_encoder_or_text(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    a, b = _HashEncoder("enc-a"), _HashEncoder("enc-b")
    first = cache.encode(a, ["压力表检定", "电子汽车衡检定", "压力表检定"])
    assert (first.encoded, first.cached) == (2, 0) and first.rows.tolist() == [0, 1, 0]
    again = cache.encode(a, ["电子汽车衡检定", "压力表检定"])
    assert (again.encoded, again.cached) == (0, 2)
    np.testing.assert_array_equal(again.vectors, first.vectors[[1, 0]])
    other = cache.encode(b, ["压力表检定"])  # same text, another encoder: encoded afresh
    assert (other.encoded, other.cached) == (1, 0) and b.calls == ["压力表检定"]
    assert not np.allclose(other.vectors[0], first.vectors[0])
    # A row whose hash claims one text but which holds another (a collision) is never served for it.
    cache._conn.execute("UPDATE passage_vectors SET text = '别的文本' WHERE encoder = 'enc-a' AND text_sha = ?",
                        [_sha("压力表检定")])
    cache._conn.commit()
    assert "压力表检定" not in cache.lookup("enc-a", 8, ["压力表检定"])
    assert cache.encode(a, ["压力表检定"]).encoded == 1
    # A vector of another dimension under the same encoder name is not served either.
    assert cache.lookup("enc-a", 16, ["电子汽车衡检定"]) == {}


@pytest.fixture(scope="module")
def hnsw_searchers(settings, db, encoder, tmp_path_factory):
    """The demo corpus indexed with HNSW: the fast path (ANN) and the exact path (brute force) over it."""
    hnsw = settings.model_copy(update={"index_dir": tmp_path_factory.mktemp("hnsw"), "vector_index": "hnsw"})
    build(hnsw, db, encoder, load_lexicon(hnsw.lexicon_dir))
    fast, exact = Searcher(hnsw, db, encoder), Searcher(hnsw, db, encoder, exact=True)
    exact.query_vector = fast.query_vector  # one encoding per demand for both paths
    return fast, exact


def test_fast_path_reproduces_the_exact_top_10_on_the_dev_queries(hnsw_searchers):
    fast, exact = hnsw_searchers
    assert fast.index.manifest["vector_index"] == "hnsw"
    for q in read_queries(DEV):
        as_of = date.fromisoformat(q["as_of"]) if q.get("as_of") else None
        region = (q.get("context") or {}).get("region")
        got = [h.id for h in fast.search(q["query"], q["target"], region, 10, as_of).hits]
        want = [h.id for h in exact.search(q["query"], q["target"], region, 10, as_of).hits]
        assert got == want, q["query"]


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_collection_file_is_refused_clearly(searcher, settings, encoder, tmp_path, damage):
    shutil.copytree(settings.index_dir / "current", tmp_path / "current")
    victim = tmp_path / "current" / "agency" / "vectors.npy"
    if damage == "missing":
        victim.unlink()
    else:
        victim.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(IndexUnavailable, match="agency/vectors.npy"):  # the part named (its path in the index)
        load_index(tmp_path, encoder)
