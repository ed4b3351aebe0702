"""Query benchmark: resolve + similar + metadata, filtered and not, at catalog size and on a synthetic 1M index.

One run measures our planner next to two baselines on the same queries:
- numpy brute force over all vectors (f32 copy in memory, matmul + mask + argpartition);
- FlixRec's way: the 69 nearest from the HNSW index, then the filter (counting its short pages).

Recall@20 is against brute force on the filtered subset (the query title excluded). A page is "short" when it
holds fewer than 20 titles while at least 20 others pass the filter.

    python bench/query.py                         # both scales, writes bench/results_query.md
    python bench/query.py --state DIR             # the full catalog's published build (default: quality.py's)
    python bench/query.py --skip-1m / --skip-catalog

The catalog-size part needs a published build of the bundled catalog (`python -m indexer build`, with
[paths] state_dir pointing at --state; bench/quality.py builds one in ~/.cache/morelike/bench/default). The
synthetic 1M index is cached under the same bench state folder (bench/results.py `state_root`), synthetic-1m.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root, write_section  # noqa: E402
from morelike.engine import Engine, Filters  # noqa: E402
from morelike.engine.search import filter_mask  # noqa: E402
from morelike.engine.snapshot import Snapshot  # noqa: E402
from morelike.settings import Config  # noqa: E402

K = 20
FLIXREC_TOPN = 69
RESULTS = REPO / "bench" / "results_query.md"


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def ground_truth(vectors32: np.ndarray, qkeys: np.ndarray, mask: np.ndarray | None, k: int) -> list[np.ndarray]:
    """Exact top-k per query (self excluded), batched matmul over the f32 matrix."""
    out: list[np.ndarray] = []
    for start in range(0, len(qkeys), 64):
        chunk = qkeys[start : start + 64]
        scores = vectors32[chunk] @ vectors32.T
        if mask is not None:
            scores[:, ~mask] = -np.inf
        scores[np.arange(len(chunk)), chunk] = -np.inf
        for row in scores:
            n_ok = int(np.isfinite(row).sum())
            kk = min(k, n_ok)
            if kk == 0:
                out.append(np.empty(0, np.int64))
                continue
            top = np.argpartition(-row, kk - 1)[:kk]
            out.append(top[np.argsort(-row[top], kind="stable")])
    return out


def brute_force_once(vectors32: np.ndarray, q: np.ndarray, mask: np.ndarray | None, qk: int, k: int) -> np.ndarray:
    scores = vectors32 @ q
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    scores[qk] = -np.inf
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def flixrec(snap: Snapshot, q: np.ndarray, mask: np.ndarray | None, qk: int, k: int) -> np.ndarray:
    keys = np.asarray(snap.index.search(q, FLIXREC_TOPN).keys, dtype=np.int64)
    keys = keys[keys != qk]
    if mask is not None:
        keys = keys[mask[keys]]
    return keys[:k]


def recall(got, want) -> float:
    if len(want) == 0:
        return 1.0
    return len(set(np.asarray(got).tolist()) & set(np.asarray(want).tolist())) / len(want)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def bench_scale(
    label: str,
    engine: Engine,
    filters: dict[str, Filters],
    qkeys: np.ndarray,
    query_text: Callable[[int], str],
    brute_queries: int,
    resolve: bool = True,
) -> list[dict]:
    snap = engine.snapshot
    print(f"[{label}] f32 copy for the baselines and ground truth…", flush=True)
    vectors32 = np.asarray(snap.vectors, dtype=np.float32)
    rows = []
    for fname, f in filters.items():
        mask = filter_mask(snap, f)
        passing = snap.n if mask is None else int(mask.sum())
        print(f"[{label}] filter {fname}: {passing} pass ({passing / snap.n:.1%}); ground truth…", flush=True)
        truth = ground_truth(vectors32, qkeys, mask, K)
        ours_ms, ours_total_ms, res_ms, ours_rec, ours_short, res_hits = [], [], [], [], 0, 0
        ours_cpu_ms: list[float] = []
        fx_ms, fx_rec, fx_short = [], [], 0
        bf_ms = []
        for i, qk in enumerate(qkeys.tolist()):
            enough = len(truth[i]) >= K
            total = 0.0
            if resolve:
                ms, res = timed(lambda qk=qk: engine.resolve(query_text(qk)))
                res_ms.append(ms)
                total += ms
                res_hits += any(c.card.id == snap.ids[qk] for c in res.candidates)
            cpu0 = time.thread_time()
            ms, page = timed(lambda qk=qk, f=f: engine.similar(snap.ids[qk], f, k=K, franchise=False))
            ours_cpu_ms.append((time.thread_time() - cpu0) * 1000)
            ours_ms.append(ms)
            total += ms
            ms, _ = timed(lambda qk=qk: engine.get(snap.ids[qk]))
            total += ms
            ours_total_ms.append(total)
            got = [snap.key_of(r.card.id) for r in page.items]
            ours_rec.append(recall(got, truth[i]))
            ours_short += enough and len(got) < K
            q = snap.vector(qk)
            ms, fx = timed(lambda q=q, qk=qk, mask=mask: flixrec(snap, q, mask, qk, K))
            fx_ms.append(ms)
            fx_rec.append(recall(fx, truth[i]))
            fx_short += enough and len(fx) < K
            if i < brute_queries:
                ms, _ = timed(lambda q=q, qk=qk, mask=mask: brute_force_once(vectors32, q, mask, qk, K))
                bf_ms.append(ms)
        n = len(qkeys)
        rows.append(
            dict(
                scale=label,
                filter=fname,
                passing=passing,
                frac=passing / snap.n,
                n=n,
                total_p50=pct(ours_total_ms, 50),
                total_p99=pct(ours_total_ms, 99),
                res_p50=pct(res_ms, 50),
                res_p99=pct(res_ms, 99),
                res_hit=res_hits / n if resolve else None,
                sim_p50=pct(ours_ms, 50),
                sim_p99=pct(ours_ms, 99),
                cpu_p50=pct(ours_cpu_ms, 50),
                cpu_p99=pct(ours_cpu_ms, 99),
                recall=float(np.mean(ours_rec)),
                short=ours_short,
                fx_p50=pct(fx_ms, 50),
                fx_p99=pct(fx_ms, 99),
                fx_recall=float(np.mean(fx_rec)),
                fx_short=fx_short,
                bf_p50=pct(bf_ms, 50),
                bf_p99=pct(bf_ms, 99),
                bf_n=len(bf_ms),
            )
        )
        print(f"[{label}] {rows[-1]}", flush=True)
    return rows


# -- catalog size ---------------------------------------------------------------------------------------------


def catalog_suite(state: Path, n_queries: int, seed: int) -> tuple[list[dict], dict]:
    config = Config(base_dir=REPO)
    config.paths.state_dir = str(state)
    t0 = time.perf_counter()
    engine = Engine.open(config)
    open_s = time.perf_counter() - t0
    snap = engine.snapshot
    rng = np.random.default_rng(seed)
    qkeys = rng.choice(snap.n, n_queries, replace=False)
    filters = {
        "none": Filters(),
        "~10%: genre thriller": Filters(genres=("thriller",)),
        "~1%: language fr": Filters(language="fr"),
        "~1%: crime, 1990-2009": Filters(genres=("crime",), year_min=1990, year_max=2009),
    }

    def text(qk: int) -> str:
        year = int(snap.years[qk])
        return f"{snap.titles[qk]} {year}" if year else snap.titles[qk]

    rows = bench_scale(f"catalog {snap.n:,}", engine, filters, qkeys, text, brute_queries=n_queries)
    return rows, {"open_s": open_s, "n": snap.n, "build": snap.build_id}


def startup_and_memory(state: Path) -> dict:
    """Open the engine in a fresh interpreter, as the bot does: seconds to ready, resident memory when idle
    (and whether torch got imported), then after one similar call."""
    import json
    import subprocess

    script = f"""
import json, sys, time
t = time.perf_counter()
sys.path.insert(0, {str(REPO)!r})
from morelike.engine import Engine
from morelike.settings import Config
config = Config(base_dir={str(REPO)!r})
config.paths.state_dir = {str(state)!r}
engine = Engine.open(config)
ready = time.perf_counter() - t
engine.suggest("the")  # waits for the title resolver, built in the background
resolver_ready = time.perf_counter() - t
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
idle = rss()
snap = engine.snapshot
for k in range(0, snap.n, max(1, snap.n // 50)):
    engine.similar(snap.ids[k], k=10)
print(json.dumps({{"ready_s": ready, "resolver_s": resolver_ready,
                  "idle_mb": idle, "after_queries_mb": rss(), "torch": "torch" in sys.modules}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- synthetic 1M ---------------------------------------------------------------------------------------------


def synthetic_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    """Clustered unit vectors with a low intrinsic dimension, like sentence embeddings: a 2,000-centre mixture in
    a 32-d latent space, projected to `dim` dimensions, plus a little isotropic noise."""
    rng = np.random.default_rng(seed)
    latent_dim, centres = 32, 2000
    c = rng.standard_normal((centres, latent_dim)).astype(np.float32)
    proj = rng.standard_normal((latent_dim, dim)).astype(np.float32) / np.sqrt(latent_dim)
    out = np.empty((n, dim), dtype=np.float16)
    step = 100_000
    for s in range(0, n, step):
        m = min(step, n - s)
        z = c[rng.integers(0, centres, m)] + 0.5 * rng.standard_normal((m, latent_dim)).astype(np.float32)
        x = z @ proj + 0.15 * rng.standard_normal((m, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[s : s + m] = x
    return out


def synthetic_titles(n: int, seed: int) -> list[str]:
    """Title-like strings: 1-4 words drawn (Zipf-like) from 5,000 pronounceable pseudo-words, some with a year-free
    sequel number, so the resolver faces shared words and same-titled works as in a real catalog."""
    rng = np.random.default_rng(seed + 2)
    syll = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]
    vocab = sorted({"".join(rng.choice(syll, rng.integers(1, 4))).capitalize() for _ in range(6000)})[:5000]
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 0.8
    weights /= weights.sum()
    lengths = rng.choice([1, 2, 3, 4], n, p=[0.3, 0.4, 0.2, 0.1])
    words = rng.choice(len(vocab), int(lengths.sum()), p=weights)
    sequel = rng.random(n) < 0.05
    out, pos = [], 0
    for i, ln in enumerate(lengths.tolist()):
        title = " ".join(vocab[w] for w in words[pos : pos + ln].tolist())
        pos += ln
        out.append(f"{title} {int(rng.integers(2, 5))}" if sequel[i] else title)
    return out


def synthetic_snapshot(n: int, dim: int, cache: Path, seed: int) -> Snapshot:
    from usearch.index import Index

    cache.mkdir(parents=True, exist_ok=True)
    vec_path, idx_path = cache / "vectors.npy", cache / "index.usearch"
    if not vec_path.exists():
        print(f"[1M] generating {n:,} x {dim} vectors…", flush=True)
        np.save(vec_path, synthetic_vectors(n, dim, seed))
    vectors = np.load(vec_path, mmap_mode="r")
    if not idx_path.exists():
        print("[1M] building the HNSW index (once; cached)…", flush=True)
        index = Index(ndim=dim, metric="cos", dtype="f16", connectivity=16, expansion_add=128, expansion_search=64)
        t = time.perf_counter()
        step = 50_000
        for s in range(0, n, step):
            index.add(np.arange(s, min(n, s + step), dtype=np.uint64), np.asarray(vectors[s : s + step]), threads=0)
            print(f"[1M]   {min(n, s + step):,} added, {time.perf_counter() - t:.0f} s", flush=True)
        index.save(str(idx_path))
        del index
    index = Index.restore(str(idx_path), view=True)
    rng = np.random.default_rng(seed + 1)
    genre_names = ["drama", "comedy", "thriller", "romance", "action", "crime", "horror", "documentary"]
    probs = np.array([0.43, 0.31, 0.12, 0.11, 0.11, 0.10, 0.07, 0.07])
    bits = np.zeros(n, dtype=np.uint64)
    for i, p in enumerate(probs):
        bits |= (rng.random(n) < p).astype(np.uint64) << np.uint64(i)
    languages = ["en", "fr", "it", "ja", "es", "de"]
    lang = rng.choice(np.arange(-1, len(languages)), n, p=[0.80, 0.14, 0.012, 0.01, 0.008, 0.015, 0.015])
    snap = Snapshot.synthetic(
        vectors,
        index,
        titles=synthetic_titles(n, seed),
        kinds=(rng.random(n) < 0.1).astype(np.int8),
        years=rng.integers(1900, 2024, n).astype(np.int16),
        runtimes=rng.integers(60, 180, n).astype(np.int32),
        ratings=rng.uniform(1, 10, n).astype(np.float32),
        votes=rng.integers(0, 100_000, n).astype(np.int64),
        lang_codes=lang.astype(np.int16),
        languages=languages,
        genre_bits=bits,
        genre_names=genre_names,
    )
    return snap


def synthetic_suite(n: int, n_queries: int, seed: int, resolve: bool) -> tuple[list[dict], dict]:
    t0 = time.perf_counter()
    snap = synthetic_snapshot(n, 384, state_root() / f"synthetic-{n // 1_000_000}m", seed)
    config = Config(base_dir=REPO)
    engine = Engine(config, snap)
    if resolve:
        print("[1M] building the title resolver…", flush=True)
        t = time.perf_counter()
        snap.resolver  # noqa: B018
        resolver_s = time.perf_counter() - t
    else:
        resolver_s = None
    rng = np.random.default_rng(seed)
    qkeys = rng.choice(snap.n, n_queries, replace=False)
    filters = {
        "none": Filters(),
        "~10%: genre thriller": Filters(genres=("thriller",)),
        "~1%: language it": Filters(language="it"),
    }
    rows = bench_scale("synthetic 1M", engine, filters, qkeys, lambda qk: snap.titles[qk], 100, resolve=resolve)
    return rows, {"setup_s": time.perf_counter() - t0, "resolver_s": resolver_s, "n": snap.n}


# -- report ---------------------------------------------------------------------------------------------------


def table(rows: list[dict]) -> list[str]:
    out = [
        "| scale | filter (passing) | ours: resolve+similar+card p50 / p99 ms | similar p50 / p99 ms | "
        "similar CPU time p50 / p99 ms | "
        "recall@20 | short pages | brute force p50 / p99 ms | FlixRec top-69 p50 / p99 ms | FlixRec recall@20 | "
        "FlixRec short pages |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['scale']} | {r['filter']} ({r['passing']:,}, {r['frac']:.1%}) | "
            f"{r['total_p50']:.2f} / {r['total_p99']:.2f} | {r['sim_p50']:.2f} / {r['sim_p99']:.2f} | "
            f"{r['cpu_p50']:.2f} / {r['cpu_p99']:.2f} | "
            f"{r['recall']:.4f} | {r['short']} / {r['n']} | {r['bf_p50']:.2f} / {r['bf_p99']:.2f} (n={r['bf_n']}) | "
            f"{r['fx_p50']:.2f} / {r['fx_p99']:.2f} | {r['fx_recall']:.4f} | {r['fx_short']} / {r['n']} |"
        )
    return out


def ranked_suite(state: Path, n_queries: int, seed: int) -> tuple[list[str], dict]:
    """/similar as a user gets it: the fitted ranker, franchise handling on, k = 10, beside plain cosine (FlixRec's
    way of ranking, through the same planner) on the same queries; filtered and not."""
    import dataclasses

    from morelike.engine.rank import Ranker

    config = Config(base_dir=REPO)
    config.paths.state_dir = str(state)
    shipped = Engine.open(config)
    snap = shipped.snapshot
    snap.resolver  # noqa: B018  (waits for the background build: it would share the GIL with the timed calls)
    cosine = Engine(config, snap, dataclasses.replace(Ranker.cosine_only(), sink_no_story=False))
    rng = np.random.default_rng(seed)
    qkeys = rng.choice(snap.n, n_queries, replace=False).tolist()
    filters = {"none": Filters(), "~10%: genre thriller": Filters(genres=("thriller",)),
               "~1%: language fr": Filters(language="fr")}  # fmt: skip
    lines = [
        "| filter | ranked /similar p50 / p99 ms | CPU time p50 / p99 ms | plain cosine p50 / p99 ms | CPU time |",
        "|---|---|---|---|---|",
    ]
    for fname, f in filters.items():
        out = {}
        for name, eng in (("ranked", shipped), ("cosine", cosine)):
            for qk in qkeys[:50]:  # warm: caches, page faults of the memory map
                eng.similar(snap.ids[qk], f, k=10, franchise=name == "ranked")
            wall, cpu = [], []
            for qk in qkeys:
                c0 = time.thread_time()
                on = name == "ranked"
                ms, _ = timed(lambda qk=qk, eng=eng, f=f, on=on: eng.similar(snap.ids[qk], f, k=10, franchise=on))
                cpu.append((time.thread_time() - c0) * 1000)
                wall.append(ms)
            out[name] = (pct(wall, 50), pct(wall, 99), pct(cpu, 50), pct(cpu, 99))
        r, c = out["ranked"], out["cosine"]
        lines.append(f"| {fname} | {r[0]:.2f} / {r[1]:.2f} | {r[2]:.2f} / {r[3]:.2f} | {c[0]:.2f} / {c[1]:.2f} | "
                     f"{c[2]:.2f} / {c[3]:.2f} |")  # fmt: skip
    return lines, {
        "n": snap.n,
        "build": snap.build_id,
        "pools": (shipped.ranker.pool_content, shipped.ranker.pool_known),
    }


def cpu_flags() -> str:
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
    return " ".join(f for f in wanted if f in flags) or "none of avx2/avx512"


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def report(title: str, args, started: dt.datetime, load_before, notes: list[str], rows: list[dict]) -> str:
    load_after = os.getloadavg()
    lines = [
        f"## {title} (bench/query.py)",
        "",
        f"- date: {started.isoformat(timespec='seconds')}; machine: {cpu_name()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}, shared with other engineers' jobs (timings are noisy)",
        f"- load average before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}; after: "
        f"{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}",
        f"- {args.queries} random query titles per row (seed {args.seed}), k = {K}, franchise handling off "
        "(so every method ranks the same candidates); brute-force latency over the first `n` queries",
        "- latencies are wall-clock; 'CPU time' is the calling thread's CPU time for the same similar() calls, "
        "which leaves out time the thread spent preempted by other jobs on this shared machine",
        *notes,
        "",
        *table(rows),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", default=str(state_root() / "default"), help="state dir with the full published build")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--synthetic", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--skip-catalog", action="store_true")
    ap.add_argument("--skip-1m", action="store_true")
    ap.add_argument("--no-resolve-1m", action="store_true", help="skip title resolution on the synthetic index")
    ap.add_argument("--ranked", action="store_true", help="only /similar as users get it (ranker + franchise)")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    if args.ranked:
        load_before, started = os.getloadavg(), dt.datetime.now(dt.UTC)
        lines, info = ranked_suite(Path(args.state), args.queries, args.seed)
        load_after = os.getloadavg()
        text = "\n".join([
            "## /similar as users get it, catalog size (bench/query.py --ranked)", "",
            f"- date: {started.isoformat(timespec='seconds')}; machine: {cpu_name()}, {os.cpu_count()} CPUs, "
            f"CPU flags: {cpu_flags()}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}",
            f"- {info['n']:,} titles (build {info['build']}); {args.queries} random queries (seed {args.seed}), "
            "k = 10; "
            f"ranked = the shipped weights, content pool {info['pools'][0]} + known pool {info['pools'][1]}, "
            "franchise on; plain cosine = content only, franchise off", "",
            *lines, "",
        ])  # fmt: skip
        print(text)
        write_section(Path(args.out), "query-ranked", text)
        return
    if not args.skip_catalog:
        load_before, started = os.getloadavg(), dt.datetime.now(dt.UTC)
        rows, info = catalog_suite(Path(args.state), args.queries, args.seed)
        mem = startup_and_memory(Path(args.state))
        notes = [
            f"- catalog: {info['n']:,} titles (build {info['build']}), real model vectors (f16), engine opened in "
            f"{info['open_s']:.2f} s",
            f"- bot footprint (fresh process, full catalog): engine ready for similar/get in {mem['ready_s']:.2f} s, "
            f"autocomplete ready (resolver built in the background) at {mem['resolver_s']:.2f} s; resident "
            f"memory idle {mem['idle_mb']:.0f} MB (torch imported: {mem['torch']}), {mem['after_queries_mb']:.0f} MB "
            "after 50 similar calls",
        ]
        resolve_hits = [x["res_hit"] for x in rows if x["res_hit"] is not None]
        if resolve_hits:
            notes.append(
                f"- resolve('<title> <year>') listed the right title for {np.mean(resolve_hits):.1%} of queries; "
                f"resolve p50/p99 {rows[0]['res_p50']:.2f} / {rows[0]['res_p99']:.2f} ms"
            )
        text = report("Queries at catalog size", args, started, load_before, notes, rows)
        print(text)
        write_section(Path(args.out), "query-catalog", text)
    if not args.skip_1m:
        load_before, started = os.getloadavg(), dt.datetime.now(dt.UTC)
        rows, info = synthetic_suite(args.synthetic, args.queries, args.seed, resolve=not args.no_resolve_1m)
        notes = [
            f"- synthetic: {info['n']:,} titles, 384-d f16 vectors (2,000 clusters in a 32-d latent space), HNSW "
            "M=16 ef_add=128 (as published); metadata drawn independently of the vectors",
            f"- title resolver over the synthetic titles built in {info['resolver_s']:.1f} s"
            if info["resolver_s"] is not None
            else "- title resolution not measured",
        ]
        text = report(f"Queries on a synthetic {info['n']:,}-title index", args, started, load_before, notes, rows)
        print(text)
        write_section(Path(args.out), "query-1m", text)


if __name__ == "__main__":
    main()
