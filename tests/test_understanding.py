"""Understanding on the real corpus: no_match, name search, 0-100 scores, history as a bounded feature."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.config import ROOT
from engine.ranking.history import MAX_LIFT, AgencyHistory, History, PastDemand

AS_OF = date(2026, 11, 24)
OFF_TOPIC = ["今天天气怎么样", "asdfghjkl qwerty", "哈哈哈哈哈哈", "给我讲个笑话吧", "晚上吃什么好呢", "股票明天会涨吗",
             "zxcv 1234 !!"]


def dev_demands():
    for name in ("dev.jsonl", "dev2.jsonl"):
        path = ROOT / "corpora" / "eval" / name
        if path.exists():
            yield from (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_gibberish_and_off_topic_get_no_match(searcher, text):
    rec = searcher.recommend(text, as_of=AS_OF)
    assert rec.no_match and rec.agencies == () and rec.experts == ()
    assert "服务站" in rec.message
    assert searcher.search_page(text, "agency", as_of=AS_OF).total == 0


def test_real_demands_of_the_dev_sets_are_never_no_match(searcher):
    # Reading only (no ranking): the fit test looks at the demand and the collections' vocabularies.
    for q in dev_demands():
        demand = searcher.read(q["query"], (q.get("context") or {}).get("region"))
        assert not searcher.fit(demand).no_match, q["id"]


def test_a_real_demand_is_not_no_match_through_the_api(client):
    body = client.post("/v1/recommend", json={"text": "车间的行车要做定期检验", "as_of": "2026-11-24"}).json()
    assert body["no_match"] is False and body["agencies"]
    assert body["demand"]["understood"].startswith("理解为：")
    body = client.post("/v1/recommend", json={"text": "今天天气怎么样"}).json()
    assert body["no_match"] is True and body["agencies"] == [] and "服务站" in body["message"]


def test_an_agencys_name_finds_it_first(searcher):
    for agency in list(searcher.agencies.values())[::6]:
        if agency.status != "正常" or any(q.valid_until and q.valid_until < AS_OF for q in agency.qualifications):
            continue
        if len(searcher.names.find(agency.name)) != 1:
            continue
        hits = searcher.search(agency.name, "agency", as_of=AS_OF).hits
        assert hits[0].id == agency.id and "name_match" in [r.code for r in hits[0].reasons], agency.name
    hits = searcher.search("钢城计量校准那家", "agency", as_of=AS_OF).hits
    assert searcher.agencies[hits[0].id].name == "唐山钢城计量校准技术有限公司"


def test_an_excluded_agency_searched_by_name_says_why(searcher):
    suspended = next(a for a in searcher.agencies.values() if a.status == "暂停服务")
    result = searcher.search(suspended.name, "agency", as_of=AS_OF)
    assert suspended.id not in [h.id for h in result.hits]
    assert result.excluded[0].id == suspended.id and "暂停服务" in result.excluded[0].reasons[0].text


@pytest.mark.parametrize("target", ["agency", "expert", "equipment", "standard"])
def test_scores_shown_are_within_0_and_100(searcher, target):
    for text in ("地磅检定", "压力容器定期检验", "ISO 9001认证", "GB/T 19001", "盐雾试验箱", "利华建设"):
        for h in searcher.search(text, target, limit=20, as_of=AS_OF).hits:
            assert 0 <= h.score <= 100
            assert all(0 <= c.score <= 100 for c in h.capabilities)


def test_standard_hits_show_the_code_beside_the_title(searcher):
    for h in searcher.search("数字指示秤检定规程", "standard", as_of=AS_OF).hits:
        assert h.title.startswith(h.id + " ")


def test_history_never_lifts_an_expired_or_suspended_agency(searcher):
    # The rules run first: a suspended agency, or one whose qualification for the matched service has expired, is
    # excluded before history is looked at. So no listed agency is suspended, and none that history lifted carries
    # an excluding reason. (An agency whose patent-agency licence expired may still register trademarks: the rules,
    # not this test, decide which qualification a service needs.)
    suspended = {a.id for a in searcher.agencies.values() if a.status != "正常"}
    assert suspended
    lifted = set()
    for q in [q for q in dev_demands() if q["target"] == "agency"][::5]:
        result = searcher.search(q["query"], "agency", (q.get("context") or {}).get("region"), 10, AS_OF)
        assert not suspended & {h.id for h in result.hits}, q["id"]
        for h in result.hits:
            if any(r.code == "history" for r in h.reasons):
                lifted.add(h.id)
                assert all(r.effect != 0.0 for r in h.reasons), (q["id"], h.id)
                assert not any(r.code in ("qualification_expired", "suspended") for r in h.reasons), (q["id"], h.id)
    assert lifted  # history does act on the admitted ones


def test_history_is_bounded_and_absent_history_is_neutral():
    assert AgencyHistory(0, None).factor == 1.0 and AgencyHistory(1, 5.0).factor == 1.0
    assert 1.0 < AgencyHistory(3, 4.0).factor < AgencyHistory(50, 5.0).factor <= 1.0 + MAX_LIFT
    past = [PastDemand("地磅检定", "A", date(2026, 1, 1), "已完成", 5)] * 3
    past += [PastDemand("地磅检定", "B", date(2020, 1, 1), "已完成", 5)] * 3  # outside the two years
    history = History(past, lambda t: [t[i:i + 2] for i in range(len(t) - 1)])
    found = history.by_agency(["地磅", "检定"], AS_OF)
    assert set(found) == {"A"} and found["A"].text == "近两年为同类需求服务 3 次，满意度 5.0"
