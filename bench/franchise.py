"""Franchise benchmark: sibling recall and main-list variety, franchise handling on vs off.

The labelled set is curated by hand from the bundled catalog: 80-odd film series, each a title pattern, a year
range and the namesakes to leave out ("Rocky" 1948, "Iron Man" 1931…). It deliberately includes series whose
titles share no stem ("Raiders of the Lost Ark" / "Indiana Jones and…", "Meet the Fockers", "Dirty Harry" /
"Magnum Force"), so recall below 1 shows what title-based detection cannot see.

Per member of a labelled series, with k = 10:
- sibling recall: share of its other series members shown in `SimilarPage.series` (franchise on), or visible
  anywhere in the top 10 (franchise off: FlixRec's behaviour, where a sequel shows only if it ranks);
- series precision: share of the series list that belongs to the labelled series;
- variety: distinct series among the 10 main results (a title's series: its curated label, else the engine's
  stem group, else itself), and how many lists repeat a series.
Variety is also measured over 1,000 random titles.

    python bench/franchise.py [--state ~/.cache/morelike/bench/default]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root, write_section  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.settings import Config  # noqa: E402

RESULTS = REPO / "bench" / "results_query.md"
K = 10

# (name, title regex, first year, last year, titles to leave out as "Title (year)")
CURATED: list[tuple[str, str, int, int, set[str]]] = [
    ("Toy Story", r"^Toy Story( \d)?$", 1995, 2030, set()),
    ("The Godfather", r"^The Godfather( Part I+)?$", 1972, 1990, set()),
    ("Now You See Me", r"^Now You See Me( 2)?$", 2013, 2030, set()),
    ("Shrek", r"^Shrek( 2| the Third| Forever After)?$", 2001, 2030, set()),
    ("Harry Potter", r"^Harry Potter and the ", 2001, 2011, set()),
    ("The Lord of the Rings", r"^The Lord of the Rings: ", 2001, 2003, set()),
    ("Star Wars", r"^Star Wars(: Episode| ?$|: The (Force|Last|Rise))", 1977, 2030, set()),
    ("Rocky", r"^Rocky( I+| IV| V)?$|^Rocky Balboa$|^Creed( II| III)?$", 1976, 2023, {"Rocky (2019)"}),
    ("Back to the Future", r"^Back to the Future", 1985, 1990, set()),
    ("Die Hard", r"^Die Hard|^Live Free or Die Hard$|^A Good Day to Die Hard$", 1988, 2013, set()),
    ("John Wick", r"^John Wick", 2014, 2030, set()),
    ("Scream", r"^Scream( \d)?$", 1996, 2030, set()),
    ("Jaws", r"^Jaws( \d| The Revenge)?$", 1975, 1990, set()),
    ("Alien", r"^Alien(s| 3|: Resurrection| Resurrection|: Covenant)?$|^Prometheus$", 1979, 2030, set()),
    ("Halloween", r"^Halloween( I+| Kills| Ends|: .*)?$", 1978, 2030, set()),
    ("The Conjuring", r"^The Conjuring", 2013, 2030, set()),
    ("Frozen", r"^Frozen( II)?$", 2013, 2030, set()),
    (
        "Fast & Furious",
        r"^The Fast and the Furious|^Fast & Furious|^2 Fast 2 Furious$|^Furious 7$|^F9$|^The Fate of the Furious$"
        r"|^Fast Five$",
        2001,
        2030,
        set(),
    ),
    ("Mission: Impossible", r"^Mission: Impossible", 1996, 2030, set()),
    ("Pirates of the Caribbean", r"^Pirates of the Caribbean", 2003, 2030, set()),
    ("Jurassic Park", r"^Jurassic (Park|World)|^The Lost World: Jurassic Park$", 1993, 2030, set()),
    ("Terminator", r"^(The )?Terminator", 1984, 2030, set()),
    ("The Matrix", r"^The Matrix", 1999, 2030, set()),
    ("The Dark Knight", r"^Batman Begins$|^The Dark Knight( Rises)?$", 2005, 2012, set()),
    ("Twilight", r"^The Twilight Saga|^Twilight$", 2008, 2012, set()),
    ("The Hunger Games", r"^The Hunger Games", 2012, 2030, set()),
    ("Despicable Me", r"^Despicable Me|^Minions", 2010, 2030, set()),
    ("Kung Fu Panda", r"^Kung Fu Panda", 2008, 2030, set()),
    ("Ice Age", r"^Ice Age", 2002, 2030, set()),
    ("Madagascar", r"^Madagascar", 2005, 2030, set()),
    ("How to Train Your Dragon", r"^How to Train Your Dragon", 2010, 2030, set()),
    ("Transformers", r"^Transformers", 2007, 2030, set()),
    ("Indiana Jones", r"^Indiana Jones|^Raiders of the Lost Ark$", 1981, 2030, set()),
    ("Mad Max", r"^Mad Max", 1979, 2030, set()),
    ("Ocean's", r"^Ocean's (Eleven|Twelve|Thirteen|8)$", 2001, 2030, set()),
    ("Home Alone", r"^Home Alone", 1990, 2030, set()),
    ("Paddington", r"^Paddington( 2)?$", 2014, 2030, set()),
    ("Cars", r"^Cars( \d)?$", 2006, 2030, set()),
    ("Finding Nemo", r"^Finding (Nemo|Dory)$", 2003, 2030, set()),
    ("The Incredibles", r"^(The )?Incredibles", 2004, 2030, set()),
    ("The Hangover", r"^The Hangover", 2009, 2030, set()),
    ("Saw", r"^Saw( I+| IV| V| VI| 3D| X)?$", 2004, 2030, set()),
    ("Final Destination", r"^(The )?Final Destination", 2000, 2030, set()),
    ("Insidious", r"^Insidious", 2010, 2030, set()),
    ("Paranormal Activity", r"^Paranormal Activity", 2007, 2030, set()),
    ("Resident Evil", r"^Resident Evil", 2002, 2030, set()),
    ("Underworld", r"^Underworld(: |$)", 2003, 2030, set()),
    ("Bourne", r"^The Bourne", 2002, 2030, set()),
    ("Rambo", r"^Rambo|^First Blood$", 1982, 2030, set()),
    ("Lethal Weapon", r"^Lethal Weapon", 1987, 2030, set()),
    ("Police Academy", r"^Police Academy", 1984, 2030, set()),
    ("Godzilla", r"^Godzilla", 1954, 2030, set()),
    ("Star Trek", r"^Star Trek", 1979, 2030, set()),
    ("X-Men", r"^X-Men|^X2", 2000, 2030, set()),
    ("Spider-Man", r"^(The Amazing )?Spider-Man", 2002, 2030, set()),
    ("Iron Man", r"^Iron Man( \d)?$", 2008, 2030, set()),
    ("Captain America", r"^Captain America: ", 2011, 2030, set()),
    ("Thor", r"^Thor(: The| Ragnarok|: Ragnarok|: Love|$)", 2011, 2030, set()),
    ("Avengers", r"^(The )?Avengers", 2012, 2030, set()),
    ("Planet of the Apes", r"Planet of the Apes", 1968, 2030, set()),
    ("Ghostbusters", r"^Ghostbusters", 1984, 2030, set()),
    ("Men in Black", r"^Men in Black", 1997, 2030, set()),
    ("Austin Powers", r"^Austin Powers", 1997, 2030, set()),
    ("Meet the Parents", r"^Meet the (Parents|Fockers)$|^Little Fockers$", 2000, 2030, set()),
    ("Night at the Museum", r"^Night at the Museum", 2006, 2030, set()),
    ("Bad Boys", r"^Bad Boys( II| for Life)?$", 1995, 2030, set()),
    ("Rush Hour", r"^Rush Hour", 1998, 2030, set()),
    ("Kill Bill", r"^Kill Bill", 2003, 2030, set()),
    ("Hotel Transylvania", r"^Hotel Transylvania", 2012, 2030, set()),
    ("The Purge", r"^The (First )?Purge", 2013, 2030, set()),
    ("Pitch Perfect", r"^Pitch Perfect", 2012, 2030, set()),
    ("Sherlock Holmes (2009)", r"^Sherlock Holmes(: A Game of Shadows)?$", 2009, 2030, set()),
    ("Zombieland", r"^Zombieland", 2009, 2030, set()),
    ("Kingsman", r"^Kingsman", 2015, 2030, set()),
    ("Deadpool", r"^Deadpool", 2016, 2030, set()),
    ("Guardians of the Galaxy", r"^Guardians of the Galaxy", 2014, 2030, set()),
    ("Maze Runner", r"^(The )?Maze Runner", 2014, 2030, set()),
    ("Evil Dead", r"^(The )?Evil Dead( II| Rise)?$", 1981, 2030, set()),
    ("Friday the 13th", r"^Friday the 13th", 1980, 2030, set()),
    ("A Nightmare on Elm Street", r"^A Nightmare on Elm Street", 1984, 2030, set()),
    ("Child's Play", r"^Child's Play", 1988, 2030, set()),
    ("Predator", r"^(The )?Predators?( 2)?$", 1987, 2030, set()),
    ("The Karate Kid", r"^The Karate Kid", 1984, 2030, set()),
    ("Look Who's Talking", r"^Look Who's Talking", 1989, 2030, set()),
    ("Addams Family", r"^(The )?Addams Family", 1991, 2030, set()),
    ("Beverly Hills Cop", r"^Beverly Hills Cop", 1984, 2030, set()),
    ("Taken", r"^Taken( \d)?$", 2008, 2030, set()),
    ("Dirty Harry", r"^Dirty Harry$|^Magnum Force$|^The Enforcer$|^Sudden Impact$|^The Dead Pool$", 1971, 1988, set()),
    ("Tremors", r"^Tremors", 1990, 2030, set()),
    ("Smokey and the Bandit", r"^Smokey and the Bandit", 1977, 2030, set()),
    ("Pitch Black / Riddick", r"^Pitch Black$|Riddick", 2000, 2030, set()),
]


def labelled_series(snap) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for name, pattern, lo, hi, leave_out in CURATED:
        rx = re.compile(pattern)
        members = [
            k
            for k in range(snap.n)
            if snap.kinds[k] == 0
            and rx.search(snap.titles[k])
            and lo <= int(snap.years[k]) <= hi
            and f"{snap.titles[k]} ({int(snap.years[k])})" not in leave_out
        ]
        if len(members) >= 2:
            out[name] = members
    return out


def variety(snap, keys: list[int], label_of: dict[int, str]) -> tuple[int, int]:
    """(distinct series among `keys`, size of the largest series among them)."""
    labels = []
    for k in keys:
        g = int(snap.groups[k])
        labels.append(label_of.get(k) or (f"g{g}" if g >= 0 else f"t{k}"))
    counts: dict[str, int] = {}
    for lb in labels:
        counts[lb] = counts.get(lb, 0) + 1
    return len(counts), max(counts.values()) if counts else 0


def measure(engine, queries: list[int], series: dict[str, list[int]] | None, label_of: dict[int, str]) -> dict:
    snap = engine.snapshot
    rec_on, rec_on_any, rec_off, prec_on, shown_on = [], [], [], [], []
    var_on, var_off, rep_on, rep_off, max_off = [], [], 0, 0, []
    member_of = {k: name for name, keys in (series or {}).items() for k in keys}
    for qk in queries:
        qid = snap.ids[qk]
        on = engine.similar(qid, k=K, franchise=True)
        off = engine.similar(qid, k=K, franchise=False)
        on_keys = [snap.key_of(r.card.id) for r in on.items]
        off_keys = [snap.key_of(r.card.id) for r in off.items]
        if series is not None:
            sib = set(series[member_of[qk]]) - {qk}
            listed = {snap.key_of(c.id) for c in on.series}
            rec_on.append(len(listed & sib) / len(sib))
            rec_on_any.append(len((listed | set(on_keys)) & sib) / len(sib))
            rec_off.append(len(set(off_keys) & sib) / len(sib))
            if listed:
                prec_on.append(len(listed & sib) / len(listed))
            shown_on.append(len(listed))
        d_on, m_on = variety(snap, on_keys, label_of)
        d_off, m_off = variety(snap, off_keys, label_of)
        var_on.append(d_on)
        var_off.append(d_off)
        rep_on += m_on > 1
        rep_off += m_off > 1
        max_off.append(m_off)
    n = len(queries)
    return {
        "n": n,
        "recall_on": float(np.mean(rec_on)) if rec_on else None,
        "recall_on_any": float(np.mean(rec_on_any)) if rec_on_any else None,
        "recall_off": float(np.mean(rec_off)) if rec_off else None,
        "precision_on": float(np.mean(prec_on)) if prec_on else None,
        "series_len": float(np.mean(shown_on)) if shown_on else None,
        "variety_on": float(np.mean(var_on)),
        "variety_off": float(np.mean(var_off)),
        "repeat_on": rep_on / n,
        "repeat_off": rep_off / n,
        "worst_off": int(max(max_off)) if max_off else 0,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="franchise handling: sibling recall and list variety")
    ap.add_argument("--state", default=str(state_root() / "default"), help="state dir with the published build")
    ap.add_argument("--random", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    config = Config(base_dir=REPO)
    config.paths.state_dir = args.state
    engine = Engine.open(config)
    snap = engine.snapshot
    series = labelled_series(snap)
    label_of = {k: name for name, keys in series.items() for k in keys}
    members = sorted(label_of)
    print(f"{len(series)} labelled series, {len(members)} titles", flush=True)
    labelled = measure(engine, members, series, label_of)
    rng = np.random.default_rng(args.seed)
    random = measure(engine, rng.choice(snap.n, args.random, replace=False).tolist(), None, label_of)
    # per-series recall, to show where title-based detection fails
    misses = []
    for name, keys in series.items():
        r = measure(engine, keys, {name: keys}, label_of)["recall_on"]
        if r < 1:
            misses.append(f"{name} {r:.2f}")
    load = os.getloadavg()
    lines = [
        "## Franchise handling (bench/franchise.py)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; {snap.n:,} titles (build {snap.build_id}); "
        f"load average {load[0]:.2f}",
        f"- labelled set: {len(series)} curated film series present in the catalog, {len(members)} titles "
        "(patterns in bench/franchise.py)",
        "",
        "| queries | sibling recall: on (series list) | on (series list or top 10) | off (visible in top 10) | "
        "series-list precision | "
        "mean series-list length | distinct series in top 10: on | off | lists repeating a series: on | off | "
        "worst off (titles of one series in a top 10) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, m in (("labelled series members", labelled), (f"{args.random} random titles", random)):
        rec_on = f"{m['recall_on']:.3f}" if m["recall_on"] is not None else "–"
        rec_off = f"{m['recall_off']:.3f}" if m["recall_off"] is not None else "–"
        rec_any = f"{m['recall_on_any']:.3f}" if m["recall_on_any"] is not None else "–"
        prec = f"{m['precision_on']:.3f}" if m["precision_on"] is not None else "–"
        slen = f"{m['series_len']:.2f}" if m["series_len"] is not None else "–"
        lines.append(
            f"| {label} ({m['n']}) | {rec_on} | {rec_any} | {rec_off} | {prec} | {slen} | {m['variety_on']:.2f} | "
            f"{m['variety_off']:.2f} | {m['repeat_on']:.1%} | {m['repeat_off']:.1%} | {m['worst_off']} |"
        )
    lines += ["", "Series with sibling recall below 1 (franchise on): " + ("; ".join(misses) or "none"), ""]
    text = "\n".join(lines)
    print(text)
    write_section(Path(args.out), "franchise", text)


if __name__ == "__main__":
    main()
