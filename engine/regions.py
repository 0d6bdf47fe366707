"""Administrative regions: recognising where an enterprise is ("我们在乐亭" -> 乐亭县) and who serves there."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InvalidInput
from engine.messages import text as msg
from engine.text.normalize import normalize

# Service-area words wider than a city, and what they contain (province codes).
WIDE_AREAS = {"全国": None, "京津冀": {"11", "12", "13"}, "河北省": {"13"}}
_SUFFIX = re.compile(r"(自治县|自治旗|新区|区|县|市|旗)$")
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_ZONE_KINDS = "经济技术开发区|技术产业开发区|经济开发区|开发区|管理区"


@dataclass(frozen=True)
class Region:
    """行政区划 — a district/county or a city."""

    code: str
    name: str
    city: str
    province: str
    level: str  # "county" | "city" | "province"

    @property
    def city_code(self) -> str:
        return self.code[:4]

    @property
    def province_code(self) -> str:
        return self.code[:2]


@dataclass(frozen=True)
class LocalPrefixes:
    """What a local writer may put before a place of the home city: the province's short name, then the city's
    name with or without 市 (河北, 唐山市, 唐山 for 唐山市)."""

    province: str = ""
    city: tuple[str, ...] = ()

    @classmethod
    def of(cls, home_city: str, home_province: str) -> LocalPrefixes:
        city = tuple(dict.fromkeys((home_city, home_city.removesuffix("市"))))
        return cls(_PROVINCE_SUFFIX.sub("", home_province), city)

    def all(self) -> tuple[str, ...]:
        return tuple(p for p in (self.province, *self.city) if p)

    def zone(self) -> re.Pattern[str]:
        """A development zone's name: optional province and city, the zone's own name, its kind."""
        province = f"(?:{re.escape(self.province)})?" if self.province else ""
        city = f"(?:{'|'.join(map(re.escape, self.city))})?" if self.city else ""
        return re.compile(rf"^{province}{city}(.+?)({_ZONE_KINDS})$")


@dataclass
class RegionIndex:
    """Every region by name and alias. `home_city` is the station's city (Settings.home_city): its places are
    preferred when a name is ambiguous, and may be named without their city and province."""

    home_city: str
    by_name: dict[str, Region] = field(default_factory=dict)
    aliases: dict[str, list[Region]] = field(default_factory=dict)
    _resolved: dict[str, Region | None] = field(default_factory=dict, repr=False)
    _by_length: list[str] = field(default_factory=list, repr=False)
    _local: LocalPrefixes = field(default_factory=LocalPrefixes, repr=False)

    @classmethod
    def load(cls, reference_dir: Path, home_city: str) -> RegionIndex:
        idx = cls(home_city=home_city)
        provinces = {r["code"]: r["name"] for r in _rows(reference_dir / "provinces.csv")}
        city_rows = _rows(reference_dir / "cities.csv")
        home_province = next((provinces[r["provinceCode"]] for r in city_rows if r["name"] == home_city), "")
        idx._local = LocalPrefixes.of(home_city, home_province)
        cities = {}
        for r in city_rows:
            city_name = r["name"] if r["name"] not in ("市辖区", "县") else provinces[r["provinceCode"]]
            cities[r["code"]] = city_name
            idx._add(Region(r["code"], city_name, city_name, provinces[r["provinceCode"]], "city"))
        for code, name in provinces.items():
            idx._add(Region(code, name, "", name, "province"))
        for r in _rows(reference_dir / "areas.csv"):
            city = cities.get(r["cityCode"], provinces.get(r["provinceCode"], ""))
            idx._add(Region(r["code"], r["name"], city, provinces[r["provinceCode"]], "county"))
        return idx

    def _add(self, region: Region) -> None:
        self.by_name.setdefault(region.name, region)
        for alias in _aliases(region, self._local):
            bucket = self.aliases.setdefault(alias, [])
            if region not in bucket:
                bucket.append(region)

    def _prefer(self, regions: list[Region]) -> Region:
        # The station's own city first, then counties over cities over provinces.
        order = {"county": 0, "city": 1, "province": 2}
        return min(regions, key=lambda r: (r.city != self.home_city, order[r.level], r.code))

    def resolve(self, name: str) -> Region | None:
        """The region a name (full, short or a corpus spelling such as 高新技术产业开发区) stands for."""
        if name in self._resolved:
            return self._resolved[name]
        found = self._resolve(name)
        if len(self._resolved) < 10_000:  # names come from requests: keep the cache bounded
            self._resolved[name] = found
        return found

    def _resolve(self, name: str) -> Region | None:
        name = normalize(name)
        if name in self.by_name and self.by_name[name].city == self.home_city:
            return self.by_name[name]
        if name in self.aliases:
            return self._prefer(self.aliases[name])
        return self.by_name.get(name)

    def require(self, name: str) -> Region:
        """`resolve`, or InvalidInput for a name that is no region."""
        found = self.resolve(name)
        if found is None:
            raise InvalidInput(msg("region.unknown", region=name))
        return found

    def find_in_text(self, text: str) -> Region | None:
        """The region named in free text, or None: the longest name wins, the station's city first.

        Outside the station's own city only full names count, so everyday words that happen to be the short
        name of some distant county are not taken for a place.
        """
        text = normalize(text)
        if len(self._by_length) != len(self.aliases):
            self._by_length = sorted(self.aliases, key=len, reverse=True)
        for alias in self._by_length:
            if len(alias) < 2 or alias not in text:
                continue
            candidates = [
                r for r in self.aliases[alias] if r.city == self.home_city or r.name == alias or r.level != "county"
            ]
            if candidates:
                return self._prefer(candidates)
        return None

    def contains(self, area: str, region: Region) -> bool:
        """Whether a service-area entry (a county, a city, 京津冀, 河北省, 全国) covers `region`."""
        area = normalize(area)
        if area in WIDE_AREAS:
            provinces = WIDE_AREAS[area]
            return provinces is None or region.province_code in provinces
        served = self.resolve(area)
        if served is None:
            return False
        if served.level == "province":
            return region.province_code == served.province_code
        if served.level == "city":
            return region.city_code == served.city_code or region.code == served.code
        return region.code == served.code


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _aliases(region: Region, local: LocalPrefixes) -> set[str]:
    name = region.name
    out = {name}
    zone = local.zone().match(name)
    if zone:
        core, kind = zone.groups()
        out |= {core + kind, core + "区", core + "开发区"}
        if kind == "技术产业开发区" or core.endswith("高新"):
            out |= {core + "区", core + "技术产业开发区"}
        if core == "高新":
            out.add("高新区")
    for prefix in local.all():
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            out.add(name[len(prefix) :])
    short = _SUFFIX.sub("", name)
    if len(short) >= 2 and short != name and region.level != "province":
        out.add(short)
    if region.level == "province":
        out.add(_PROVINCE_SUFFIX.sub("", name))
    return {a for a in out if len(a) >= 2}
