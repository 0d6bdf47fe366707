"""BM25 against the textbook formula, FAISS against numpy brute force, fusion and metrics as pure maths."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from engine.evaluation.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from engine.index.bm25 import BM25Index
from engine.index.dense import DenseIndex
from engine.ranking.fusion import aggregate, convex_fusion, rrf_fusion, top_k


def bm25_direct(query, docs, k1=1.2, b=0.75):
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    scores = []
    for d in docs:
        s = 0.0
        for term in set(query):
            df = sum(term in x for x in docs)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = d.count(term)
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(s)
    return np.array(scores)


words = st.sampled_from(list("abcdefghij"))


@given(st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=15), st.lists(words, max_size=5))
def test_bm25_matches_the_direct_formula(docs, query):
    index = BM25Index.build(docs)
    np.testing.assert_allclose(index.score(query), bm25_direct(query, docs), rtol=1e-5, atol=1e-5)


def test_bm25_save_load_round_trip(tmp_path):
    docs = [["电子汽车衡", "检定"], ["压力表", "检定"], ["锅炉", "检验"]]
    index = BM25Index.build(docs)
    index.save(tmp_path)
    again = BM25Index.load(tmp_path)
    np.testing.assert_allclose(again.score(["检定", "压力表"]), index.score(["检定", "压力表"]))


def test_faiss_flat_and_hnsw_agree_with_numpy_brute_force(tmp_path):
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.normal(size=(20, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flat = DenseIndex.build(vectors, "flat")
    flat.save(tmp_path / "v.faiss")
    flat = DenseIndex.load(tmp_path / "v.faiss")
    hnsw = DenseIndex.build(vectors, "hnsw")
    recall = []
    for q in queries:
        truth = vectors @ q
        scores, ids = flat.search(q, 10)
        np.testing.assert_array_equal(ids, np.argsort(-truth)[:10])
        np.testing.assert_allclose(scores, np.sort(truth)[::-1][:10], rtol=1e-5)
        np.testing.assert_allclose(flat.all_scores(q), truth, rtol=1e-4, atol=1e-5)
        recall.append(len(set(hnsw.search(q, 10)[1]) & set(np.argsort(-truth)[:10])) / 10)
    assert np.mean(recall) >= 0.95


@given(st.lists(st.floats(0, 10), min_size=2, max_size=30), st.lists(st.floats(-1, 1), min_size=2, max_size=30))
def test_convex_fusion_stays_in_unit_interval(lexical, dense):
    n = min(len(lexical), len(dense))
    fused = convex_fusion(np.array(lexical[:n]), np.array(dense[:n]), 0.4)
    assert np.all(fused >= -1e-6) and np.all(fused <= 1 + 1e-6)


@given(st.lists(st.integers(0, 3), min_size=2, max_size=20))
def test_rrf_gives_equal_scores_to_ties_whatever_their_order(values):
    a = np.array(values, dtype=float)
    fused = rrf_fusion([a])
    for i in range(len(a)):
        for j in range(len(a)):
            if a[i] == a[j]:
                assert fused[i] == fused[j]


def test_top_k_orders_best_first_with_stable_ties():
    assert list(top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3)) == [1, 3, 2]


def test_aggregate_rewards_a_second_matching_capability():
    assert aggregate([0.8, 0.6]) > aggregate([0.8])
    assert aggregate([]) == 0.0


def test_metrics_on_known_rankings():
    qrels = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b"], qrels) == 1.0
    assert ndcg_at_k(["b", "a"], qrels) < 1.0
    assert recall_at_k(["x", "a"], qrels) == 1.0
    assert mrr_at_k(["x", "a"], qrels) == 0.5
    assert mrr_at_k(["b"], qrels) == 0.0
