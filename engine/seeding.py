"""Demo data for the enterprise's side: plausible instrument ledgers, certificates and standards lists for a subset
of the demo enterprises, written deterministically (one seed, one reference date) as the files an enterprise
would keep — one ledger spreadsheet (CSV) per enterprise, `certificates.jsonl`, `standards.jsonl` — under their
own folder (`corpora/enterprise-demo`), and loaded from there into the database.

The generator only writes what an enterprise writes (names, uses, its own cycles, last dates); whether an
instrument is mandatory, its cycle and due date are left to the classifier when the ledger is read.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from engine.ledger.columns import parse_ledger
from engine.ledger.service import Ledgers
from engine.storage.db import Database
from engine.watch import StandardIn, Watch, certificate_in

SEED = 11
REFERENCE = date(2026, 11, 1)  # last dates are spread over the two years before this
HEADER = ["器具名称", "型号规格", "测量范围", "准确度等级", "出厂编号", "使用地点", "用途", "检定/校准周期",
          "上次检定/校准日期", "证书编号", "责任人"]
# (name, model, range, accuracy, [(use, location)], own cycle as people write it or "")
INSTRUMENTS = [
    ("电子汽车衡", "SCS-100", "(0~100)t", "Ⅲ", [("贸易结算", "磅房"), ("原料进厂称重结算", "地磅房")], "12个月"),
    ("电子台秤", "TCS-150", "(0~150)kg", "Ⅲ", [("成品发货结算", "成品库"), ("车间配料", "配料间")], "1年"),
    ("电子计价秤", "ACS-30", "(0~30)kg", "Ⅲ", [("食堂采购结算", "食堂")], "12"),
    ("一般压力表", "Y-100", "(0~1.6)MPa", "1.6级", [("锅炉安全监测", "锅炉房"), ("储气罐安全防护", "空压站"),
                                                   ("液压站工艺监控", "液压站")], "6个月"),
    ("精密压力表", "YB-150", "(0~2.5)MPa", "0.4级", [("校验工作用压力表", "计量室")], "12个月"),
    ("可燃气体检测报警器", "GT-2000", "(0~100)%LEL", "±5%FS", [("安全报警", "燃气调压站")], "12个月"),
    ("一氧化碳检测报警器", "CO-20", "(0~1000)ppm", "±5%FS", [("煤气区域安全防护", "煤气柜")], "1年"),
    ("硫化氢气体检测仪", "H2S-5", "(0~100)ppm", "±5%FS", [("污水池作业安全防护", "污水处理站")], "12"),
    ("电能表", "DTZ341", "3×1.5(6)A", "0.5S级", [("与供电公司贸易结算", "配电室"), ("车间内部能耗考核", "车间")],
     ""),
    ("冷水水表", "LXS-50", "DN50", "2级", [("用水结算", "水泵房")], ""),
    ("血压计", "HEM-7136", "(0~280)mmHg", "±3mmHg", [("职工医务室诊疗", "医务室")], "12个月"),
    ("声级计", "AWA5688", "(28~133)dB", "2级", [("厂界噪声环境监测", "环保科")], "12个月"),
    ("烟气分析仪", "testo 350", "O2 0~25%", "±5%", [("锅炉废气排放监测", "环保科")], "12个月"),
    ("数显卡尺", "0~150mm", "(0~150)mm", "0.01mm", [("产品尺寸检验", "质检室")], "12个月"),
    ("外径千分尺", "0~25mm", "(0~25)mm", "0.001mm", [("零件检验", "质检室")], "1年"),
    ("百分表", "0~10mm", "(0~10)mm", "0.01mm", [("装配检验", "装配车间")], "12"),
    ("钢卷尺", "5m", "(0~5)m", "Ⅱ级", [("下料测量", "下料车间")], "12个月"),
    ("工作用玻璃液体温度计", "0~100℃", "(0~100)℃", "0.5℃", [("工艺温度监控", "反应釜")], "12个月"),
    ("工业铂热电阻", "Pt100", "(-50~300)℃", "A级", [("工艺温度控制", "车间")], "12个月"),
    ("数字多用表", "Fluke 17B+", "DCV 0~1000V", "0.5%", [("设备维修", "电工班")], "12个月"),
    ("扭矩扳子", "TW-200", "(40~200)N·m", "±4%", [("螺栓紧固", "装配车间")], "6个月"),
    ("电子天平", "FA2004", "(0~200)g", "Ⅰ", [("化验室分析", "化验室"), ("贵金属收购结算", "收购部")], "12个月"),
    ("万能试验机", "WE-600", "(0~600)kN", "1级", [("原材料力学性能检验", "理化室")], "12个月"),
    ("洛氏硬度计", "HR-150A", "HRC 20~70", "±1.5HR", [("热处理硬度检验", "热处理车间")], "12个月"),
]
SCHEMES = ["ISO 9001", "ISO 14001", "ISO 45001", "ISO 50001", "CCC", "IATF 16949"]
PEOPLE = ["王工", "李工", "张工", "刘工", "陈工", "杨工"]


@dataclass(frozen=True)
class Written:
    ledgers: int
    instruments: int
    certificates: int
    standards: int


def generate(corpus_dir: Path, out_dir: Path, enterprises: int = 40, seed: int = SEED) -> Written:
    """Write the demo files for every tenth demo enterprise (up to `enterprises`); same seed, same files."""
    rng = random.Random(seed)
    ents = [json.loads(line) for line in (corpus_dir / "enterprises.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    chosen = ents[::10][:enterprises]
    standards = [json.loads(line) for line in (corpus_dir / "standards.jsonl").read_text(encoding="utf-8")
                 .splitlines() if line.strip()]
    product_standards = [s for s in standards if s["code"].startswith(("GB", "JB", "YB", "JC", "HG"))]
    (out_dir / "ledgers").mkdir(parents=True, exist_ok=True)
    n_inst = n_cert = n_std = 0
    certs, stds = [], []
    for e in chosen:
        rows = []
        for i, (name, model, rng_text, acc, uses, cycle) in enumerate(
                rng.sample(INSTRUMENTS, rng.randint(8, 16)), 1):
            use, place = rng.choice(uses)
            last = REFERENCE - timedelta(days=rng.randint(20, 700))
            for copy in range(rng.choice((1, 1, 1, 2, 3))):
                serial = f"{e['id'][-3:]}{i:02d}{copy}{rng.randint(100, 999)}"
                rows.append([name, model, rng_text, acc, serial, place, use, cycle,
                             last.isoformat() if rng.random() > 0.04 else "", f"JD{last:%Y}{rng.randint(1, 99999):05d}",
                             rng.choice(PEOPLE)])
        with (out_dir / "ledgers" / f"{e['id']}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([f"{e['name']} 计量器具管理台账"] + [""] * (len(HEADER) - 1))  # a title row, as people do
            w.writerow(HEADER)
            w.writerows(rows)
        n_inst += len(rows)
        for scheme in rng.sample(SCHEMES, rng.randint(1, 3)):
            expiry = REFERENCE + timedelta(days=rng.randint(-60, 900))
            certs.append({"enterprise_id": e["id"], "scheme": scheme, "number": f"{rng.randint(10**11, 10**12 - 1)}",
                          "body": None, "expiry": expiry.isoformat(), "scope": e.get("industry")})
            n_cert += 1
        for s in rng.sample(product_standards, min(len(product_standards), rng.randint(2, 5))):
            stds.append({"enterprise_id": e["id"], "code": s["code"], "product": e.get("industry")})
            n_std += 1
    _write_jsonl(out_dir / "certificates.jsonl", certs)
    _write_jsonl(out_dir / "standards.jsonl", stds)
    return Written(len(chosen), n_inst, n_cert, n_std)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def load(db: Database, ledgers: Ledgers, folder: Path) -> Written:
    """Load the demo files (each ledger replaces that enterprise's ledger; lists replace the lists)."""
    n_inst = 0
    files = sorted((folder / "ledgers").glob("*.csv"))
    for path in files:
        rows = parse_ledger(path.name, path.read_bytes())
        ledgers.replace(path.stem, rows)
        n_inst += len(rows)
    watch = Watch(db)
    certs: dict[str, list] = {}
    for line in (folder / "certificates.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            certs.setdefault(raw["enterprise_id"], []).append(certificate_in(raw, len(certs.get(raw["enterprise_id"],
                                                                                                    [])) + 1))
    for eid, items in certs.items():
        watch.set_certificates(eid, items)
    stds: dict[str, list[StandardIn]] = {}
    for line in (folder / "standards.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            stds.setdefault(raw["enterprise_id"], []).append(StandardIn(raw["code"], raw.get("product")))
    for eid, items in stds.items():
        watch.set_standards(eid, items)
    return Written(len(files), n_inst, sum(map(len, certs.values())), sum(map(len, stds.values())))
