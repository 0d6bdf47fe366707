"""kmetro's part of the knowledge base (计量器具, 被测量, 特种设备, 检验检测设备) keeps the facts it promises.

`qi knowledge check` validates the format of every file; these tests pin what these four files add on top: every
special-equipment catalogue row has its entry, instruments under mandatory verification say for which uses and how
often, aliases are words the matcher can use.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "corpora" / "knowledge"
FILES = ("metrology_instruments", "measurands", "special_equipment", "lab_equipment")
USES = {"贸易结算", "安全防护", "医疗卫生", "环境监测", "行政执法"}


def rows(stem: str) -> list[dict]:
    path = KB / f"{stem}.jsonl"
    if not path.exists():
        pytest.skip(f"{path.name} is not in this checkout")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_catalogue_row_has_exactly_one_entry_with_its_name_and_code():
    with open(ROOT / "corpora" / "reference" / "special_equipment_catalogue.csv", encoding="utf-8") as f:
        catalogue = {r["code"]: r["name"] for r in csv.DictReader(f)}
    entries = [r for r in rows("special_equipment") if "catalogue_code" in r.get("attrs", {})]
    by_code = {r["attrs"]["catalogue_code"]: r for r in entries}
    assert len(entries) == len(by_code) == len(catalogue) == 157
    for code, name in catalogue.items():
        assert by_code[code]["name"] == name
        assert by_code[code]["category"] == "特种设备"


def test_a_variety_alias_is_not_repeated_on_its_ancestors():
    with open(ROOT / "corpora" / "reference" / "special_equipment_catalogue.csv", encoding="utf-8") as f:
        parent = {r["code"]: r["parent_code"] for r in csv.DictReader(f)}
    by_code = {r["attrs"]["catalogue_code"]: r for r in rows("special_equipment")
               if "catalogue_code" in r.get("attrs", {})}
    for code, entry in by_code.items():
        words = set(entry["aliases"]) | {entry["name"]}
        up = parent[code]
        while up:
            assert not words & set(by_code[up]["aliases"]), (code, up, words & set(by_code[up]["aliases"]))
            up = parent[up]


def test_mandatory_instruments_say_for_which_uses_and_how_often():
    instruments = [r for r in rows("metrology_instruments") if r["kind"] == "instrument"]
    assert len(instruments) > 150
    mandatory = [r for r in instruments if r["attrs"].get("监管方式") == "强制检定"]
    assert len(mandatory) > 50
    for r in instruments:
        uses = set(r["attrs"].get("mandatory_uses", []))
        assert uses <= USES, r["id"]
        assert bool(uses) == (r["attrs"]["监管方式"] == "强制检定"), r["id"]
        assert r["attrs"].get("项别") and r["attrs"].get("种别"), r["id"]
    for r in mandatory:
        assert "检定" in r["services"], r["id"]
        assert any(c.startswith("JJG") for c in r["codes"]), r["id"]
        assert r["attrs"].get("cycle_months") or r["attrs"].get("说明"), r["id"]


def test_aliases_are_words_the_matcher_can_use():
    seen = set()
    for stem in FILES:
        for r in rows(stem):
            assert r["source"], r["id"]
            assert r["id"] not in seen
            seen.add(r["id"])
            for a in r.get("aliases", []):
                assert len(a) >= 2 and a == a.strip() and " " not in a, (r["id"], a)


def test_measurands_point_at_what_measures_them():
    ids = {r["id"] for stem in FILES for r in rows(stem)}
    for r in rows("measurands"):
        assert r["kind"] == "measurand"
        targets = [x for x in r.get("related", []) if not x.startswith("measurands.")]
        assert all(x.split(".")[0] in ("metrology_instruments", "lab_equipment", "special_equipment") for x in targets)
        assert all(x in ids for x in targets), r["id"]
        assert targets or r.get("attrs", {}).get("instruments"), r["id"]
