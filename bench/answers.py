"""Dump what an engine answers to a list of titles, as a user sees it: the series list, then the main list.

    python bench/answers.py --config TOML --queries IDS.json --out ANSWERS.json [--ranker default|cosine]
                            [--no-franchise] [--code DIR]

`bench/quality.py` scores every configuration from these dumps, so one scorer serves them all, including the
engine as landed: `--code DIR` imports `morelike` from another checkout (a git worktree of the landed commit), so
the baseline is that commit's code and weights over its own index, not today's code pretending to be it. Only the
engine API every version has is used (`Engine._load`, `Engine(config, snap, ranker)`, `Engine.similar`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ANSWER = 20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--ranker", choices=("default", "cosine"), default="default")
    ap.add_argument("--no-franchise", action="store_true")
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from morelike.engine import Engine
    from morelike.engine.rank import Ranker
    from morelike.settings import load_config

    config = load_config(args.config)
    snap = Engine._load(config)
    engine = Engine(config, snap, Ranker.cosine_only() if args.ranker == "cosine" else None)
    ids = json.loads(args.queries.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[str]]] = {}
    started = time.perf_counter()
    for qid in ids:
        if snap.key_of(qid) is None:
            continue
        page = engine.similar(qid, k=ANSWER, franchise=not args.no_franchise)
        out[qid] = {"series": [c.id for c in page.series], "items": [r.card.id for r in page.items]}
    args.out.write_text(json.dumps(out), encoding="utf-8")
    print(f"answers: {len(out)} queries in {time.perf_counter() - started:.1f} s ({args.config})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
