"""The rules a station applies when it matches a demand to providers (DB1302/T 574-2023 §6.1.3).

Each rule looks at one agency (and the capability that matched) and returns Reasons whose effects multiply the
score; `EXCLUDE` (0.0) removes the agency for that service. Pure functions over plain records.
"""

from __future__ import annotations

from datetime import date

from engine.demand import Demand
from engine.qualifications import in_force
from engine.ranking.results import Reason
from engine.ranking.views import AgencyView, CapabilityView
from engine.regions import RegionIndex

EXCLUDE = 0.0
LEGAL_KINDS = frozenset({"legal_metrology", "authorized_metrology"})
STATION_KINDS = frozenset({"service_station", "service_workstation"})
GUIDANCE_SERVICES = frozenset({"咨询", "查询", "培训"})
# Services performed at the enterprise's site, where a local agency serves better.
ON_SITE = frozenset({("计量", "检定"), ("特种设备", "检验")})

# Effects, chosen by measurement on the dev set (the table under "Rules" in the README lists them).
COUNTY_ELSEWHERE = 0.45
COUNTY_REGION_UNKNOWN = 0.6
OUT_OF_AREA = 0.5
ON_SITE_LOCAL = 1.05
ON_SITE_FAR = 0.6
CALIBRATION_FOR_LEGAL = 0.5
STATION_GUIDANCE = 1.05


def required_qualifications(agency: AgencyView, cap: CapabilityView) -> tuple[str, ...]:
    """The qualification types that entitle an agency to perform a capability."""
    if cap.category == "计量" and cap.service in ("检定", "校准"):
        if agency.kind in LEGAL_KINDS:
            return ("计量授权",)
        return ("CNAS",) if any(q.type == "CNAS" for q in agency.qualifications) else ()
    if cap.category == "检验检测" or (cap.category == "特种设备" and agency.kind in ("testing_lab",)):
        return ("CMA",)
    if cap.category == "特种设备" and cap.service in ("检验", "检测"):
        return ("特种设备检验核准",)
    if cap.category == "认证认可" and cap.service == "认证":
        if "CCC" in cap.object or "强制性产品认证" in cap.object or "3C" in cap.object:
            return ("指定认证机构",)
        return ("认证机构批准书", "指定认证机构")
    if cap.category == "知识产权" and cap.service == "代理" and "专利" in cap.object:
        return ("专利代理机构执业许可",)
    return ()


def qualification_check(agency: AgencyView, cap: CapabilityView, as_of: date) -> Reason | None:
    """A valid needed qualification is noted; an expired one excludes the capability."""
    needed = required_qualifications(agency, cap)
    held = [q for q in agency.qualifications if q.type in needed]
    if not needed or not held:
        return None
    valid = [q for q in held if in_force(q.valid_until, as_of)]
    if valid:
        q = max(valid, key=lambda q: q.valid_until or date.max)
        until = q.valid_until.isoformat() if q.valid_until else "长期"
        return Reason("qualification_valid", f"{q.type}资质有效（{q.number or ''}，有效期至{until}）")
    q = max(held, key=lambda q: q.valid_until or date.min)
    return Reason(
        "qualification_expired",
        f"{q.type}资质已于{q.valid_until}过期（评估日期{as_of}），不能承担该项服务",
        EXCLUDE,
    )


def is_legal_verification(cap: CapabilityView, demand: Demand) -> bool:
    """强制检定: verification of an instrument on the mandatory list, or the demand says so."""
    if not (cap.category == "计量" and cap.service == "检定"):
        return False
    return demand.legal_cue or any(term in cap.object for term in demand.mandatory_terms)


def legal_verification_check(agency: AgencyView, cap: CapabilityView, demand: Demand) -> Reason | None:
    if not is_legal_verification(cap, demand):
        return None
    if agency.kind in LEGAL_KINDS and any(q.type == "计量授权" for q in agency.qualifications):
        return Reason("legal_metrology", "强制检定项目：法定计量检定机构/授权检定站可依法承担")
    return Reason(
        "calibration_only",
        "强制检定项目须由法定或授权计量检定机构承担；该机构只能提供校准，作为次选",
        CALIBRATION_FOR_LEGAL,
    )


def region_checks(agency: AgencyView, cap: CapabilityView, demand: Demand, regions: RegionIndex) -> list[Reason]:
    reasons: list[Reason] = []
    area = "、".join(agency.service_area)
    counties = [a for a in agency.service_area if (r := regions.resolve(a)) is not None and r.level == "county"]
    county_limited = bool(agency.service_area) and len(counties) == len(agency.service_area)
    where = demand.region
    if where is not None:
        covered = any(regions.contains(a, where) for a in agency.service_area)
        if covered:
            reasons.append(Reason("serves_region", f"服务范围（{area}）覆盖{where.name}"))
        elif county_limited:
            reasons.append(Reason("county_elsewhere", f"县级机构，仅服务{area}，不含{where.name}", COUNTY_ELSEWHERE))
        else:
            reasons.append(Reason("out_of_area", f"服务范围（{area}）不含{where.name}", OUT_OF_AREA))
    elif county_limited:
        reasons.append(
            Reason("county_limited", f"县级机构，仅服务{area}（企业所在地未说明）", COUNTY_REGION_UNKNOWN)
        )
    if (cap.category, cap.service) in ON_SITE and not demand.brings_in:  # 送检 is not an on-site service
        home = regions.resolve(agency.region)
        if where is not None and home is not None and home.code == where.code:
            reasons.append(Reason("on_site_local", f"现场服务，本地机构（{agency.region}）优先", ON_SITE_LOCAL))
        elif home is not None and home.city != regions.home_city and home.name != regions.home_city:
            reasons.append(
                Reason("on_site_far", f"现场服务，机构在{agency.city or agency.region}，距离远", ON_SITE_FAR)
            )
    return reasons


def station_check(agency: AgencyView, cap: CapabilityView) -> Reason | None:
    if agency.kind in STATION_KINDS and cap.service in GUIDANCE_SERVICES:
        return Reason("station_serves", "指导类事项，服务站可直接受理（§6.1.3 a）", STATION_GUIDANCE)
    return None


def capability_reasons(
    agency: AgencyView, cap: CapabilityView, demand: Demand, regions: RegionIndex, as_of: date
) -> list[Reason]:
    """Every rule's verdict on one agency for one matched capability."""
    reasons = [r for r in (qualification_check(agency, cap, as_of), legal_verification_check(agency, cap, demand),
                           station_check(agency, cap)) if r]
    return reasons + region_checks(agency, cap, demand, regions)


def effect(reasons: list[Reason]) -> float:
    out = 1.0
    for r in reasons:
        out *= r.effect
    return out
