"""The station's rules and explanations, on the real corpus, real encoder, real FAISS and real SQLite."""

from datetime import date

import pytest

from engine.errors import InvalidInput

AS_OF = date(2026, 11, 24)


def ids(hits):
    return [h.id for h in hits]


def test_suspended_agencies_are_never_recommended(searcher):
    suspended = [a.id for a in searcher.agencies.values() if a.status == "暂停服务"]
    assert suspended
    for text in ("钢材化学成分检测", "食品微生物检测", "煤质化验", "建筑材料检测", "水质检测"):
        result = searcher.search(text, "agency", limit=50, as_of=AS_OF)
        assert not set(ids(result.hits)) & set(suspended)


def test_suspended_agency_is_listed_as_excluded_with_its_reason(searcher):
    aid = next(a.id for a in searcher.agencies.values() if a.status == "暂停服务")
    obj = searcher.agencies[aid].capabilities[0].object
    result = searcher.search(obj + "检测", "agency", limit=50, as_of=AS_OF)
    excluded = {h.id: h for h in result.excluded}
    assert aid in excluded and excluded[aid].reasons[0].code == "suspended"


def test_expired_qualification_never_outranks_a_valid_one_for_that_service(searcher):
    # AG0026 (迁西县计量检定所) lost its 计量授权 on 2026-06-22: no verification from it after that date.
    result = searcher.search("压力表检定", "agency", region="迁西县", limit=50, as_of=AS_OF)
    assert "AG0026" not in ids(result.hits)
    assert any(h.id == "AG0026" and h.reasons[0].code == "qualification_expired" for h in result.excluded)
    before = searcher.search("压力表检定", "agency", region="迁西县", limit=50, as_of=date(2026, 1, 1))
    assert "AG0026" in ids(before.hits)


def test_every_agency_with_an_expired_needed_qualification_is_excluded(searcher):
    from engine.ranking.rules import required_qualifications

    for agency in searcher.agencies.values():
        for cap in agency.capabilities:
            needed = required_qualifications(agency, cap)
            held = [q for q in agency.qualifications if q.type in needed]
            if held and all(q.valid_until and q.valid_until < AS_OF for q in held):
                result = searcher.search(f"{cap.object}{cap.service}", "agency", limit=100, as_of=AS_OF)
                for hit in result.hits:
                    if hit.id == agency.id:
                        assert all(c.object != cap.object or c.service != cap.service for c in hit.capabilities)


def test_county_limited_agency_elsewhere_ranks_below_local_and_city_wide(searcher):
    result = searcher.search("电子秤检定", "agency", region="路北区", limit=20, as_of=AS_OF)
    ranked = ids(result.hits)
    assert ranked[0] == "AG0014"  # 唐山市计量检定测试院: in 路北区, serves the whole city
    county_elsewhere = [h for h in result.hits if any(r.code == "county_elsewhere" for r in h.reasons)]
    assert county_elsewhere
    for h in county_elsewhere:
        assert ranked.index(h.id) > ranked.index("AG0014")


def test_region_from_text_is_used_like_the_context(searcher):
    in_text = searcher.search("我们厂的地磅要年检了，在乐亭", "agency", as_of=AS_OF)
    assert in_text.demand["region"] == "乐亭县" and in_text.demand["region_source"] == "text"
    assert "AG0025" in ids(in_text.hits)[:5]  # 乐亭县计量检定所


def test_legal_verification_goes_to_legal_metrology_before_calibration_labs(searcher):
    result = searcher.search("加油站的加油机强制检定", "agency", limit=20, as_of=AS_OF)
    kinds = [searcher.agencies[h.id].kind for h in result.hits]
    first_cal = next((i for i, k in enumerate(kinds) if k == "calibration_lab"), len(kinds))
    assert kinds[0] in ("legal_metrology", "authorized_metrology")
    assert all(k != "calibration_lab" for k in kinds[:first_cal])
    for h in result.hits:
        if searcher.agencies[h.id].kind == "calibration_lab":
            assert any(r.code == "calibration_only" for r in h.reasons)


def test_guidance_items_are_offered_by_the_station(searcher):
    rec = searcher.recommend("企业标准怎么自我声明公开", as_of=AS_OF)
    assert rec.agencies[0].details["kind"] in ("service_station", "service_workstation")
    assert rec.station_serves


def test_explanations_are_present_and_true(searcher):
    rec = searcher.recommend("锅炉房的压力表到期了要送检", region="丰南区", as_of=AS_OF)
    assert rec.agencies and rec.experts and rec.standards
    for hit in rec.agencies:
        agency = searcher.agencies[hit.id]
        assert hit.capabilities and hit.reasons
        offered = {(c.object, c.service) for c in agency.capabilities}
        for cap in hit.capabilities:
            assert (cap.object, cap.service) in offered
        for reason in hit.reasons:
            if reason.code == "qualification_valid":
                q = next(q for q in agency.qualifications if q.type in reason.text)
                assert q.valid_until >= AS_OF and q.valid_until.isoformat() in reason.text
        assert hit.details["service_area"] == list(agency.service_area)
    top = rec.agencies[0]
    assert any("压力" in c.object for c in top.capabilities)
    assert top.matched_terms


def test_standard_lookup_and_replacement_chain(searcher):
    hits = searcher.search("GB 175-2007被什么代替了", "standard", as_of=AS_OF).hits
    assert ids(hits)[:2] == ["GB 175-2023", "GB 175-2007"]
    hit = searcher.search("ＧＢ／Ｔ　１９００１", "standard", as_of=AS_OF).hits[0]
    assert hit.id == "GB/T 19001-2016" and hit.details["status"] == "现行"
    assert "GB/T 19001-2008" in hit.details["replaces"]
    old = searcher.catalogue.details("GB/T 19001-2008")
    assert old["status"] == "废止" and old["current"] == "GB/T 19001-2016"


def test_experts_and_equipment(searcher):
    experts = searcher.search("电梯检验专家", "expert", as_of=AS_OF).hits
    assert experts and all(searcher.experts[h.id].domain for h in experts)
    assert any("电梯" in "".join(searcher.experts[h.id].specialties) for h in experts[:3])
    kit = searcher.search("想借用盐雾试验箱", "equipment", as_of=AS_OF).hits
    assert "盐雾" in kit[0].title and kit[0].details["shareable"] and kit[0].details["status"] == "正常"


@pytest.mark.parametrize("text,region", [("", None), ("   ", None), ("x" * 2001, None), ("电子秤检定", "火星县")])
def test_bad_input_is_refused_clearly(searcher, text, region):
    with pytest.raises(InvalidInput):
        searcher.search(text, "agency", region=region)


def test_unknown_target_is_refused(searcher):
    with pytest.raises(InvalidInput, match="未知检索对象"):
        searcher.search("电子秤", "robots")
