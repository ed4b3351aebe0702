"""Fit the ranking's weights (morelike/engine/ranker_weights.json) on the development set, reproducibly.

    python bench/fit_ranker.py [--config bot.toml] [--eval PATH] [--write]

For every judged query of the development set (bench/judgments.py) the training rows are the titles people
found similar (positives) against 400 random titles (negatives; see HARD_NEGATIVES for why no others), each described
by the same feature function the engine ranks with (`morelike.engine.rank.features`). A logistic regression on
standardised features gives the weights (in raw feature units: coefficient / standard deviation).

It is scored the way it is used: 5-fold by query, each fold's weights answer that fold's queries through
`Engine.similar` (series list first, then the main list), and the mean R@20/top10 over the folds is reported
beside plain cosine on the same index. `--write` refits on every query and writes the weights file with what the
fit saw (model, recipe, folds, figures). Same index, same set, same seed: the same weights, to the digit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import judgments  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.engine.rank import (  # noqa: E402
    FEATURES,
    WEIGHTS_FILE,
    Profile,
    Ranker,
    candidates,
    features,
    with_story_floor,
)
from morelike.settings import load_config  # noqa: E402

SEED = 20261201
# Learning to rank inside the candidate pool the engine ranks (issue 19): the nearest `pool_content` stories. Each
# judged title in the pool is paired with pool titles nobody listed (and with random titles, so that what sets the
# pool apart from the catalog is not forgotten), and a logistic regression on the pairs' feature differences
# (no intercept: RankNet's pairwise model, linear) gives the weights. Pairs compare titles of one query only, so
# what varies between queries (how close a query's neighbours are) cannot be learned as a merit of a title.
POOL_NEGATIVES = 30  # pool titles nobody listed, per positive
RANDOM_NEGATIVES = 5  # random catalog titles, per positive
FOLDS = 5
C = 1.0  # logistic regression's inverse regularisation
DROPPED: tuple[str, ...] = ()
# The judgments fitted on: behaviour (what TMDB users watch together) and content (TMDB's genre-and-keyword lists).
# The fan panel is never fitted on: it judges.
SETS = (judgments.DEV_SET, judgments.SIMILAR_SET)


def pool_of(snap, ranker: Ranker, key: int, same: frozenset[int]) -> tuple[np.ndarray, np.ndarray]:
    """The engine's candidate pool for a catalog title (keys, cosines): the one rank() scores."""
    excluded = np.asarray(sorted(same | {key}), dtype=np.int64)
    texts = Profile.of(snap, [key]).texts
    return candidates(snap, ranker, snap.vector(key), None, excluded, snap.n - len(excluded), key, texts)


def training_rows(snap, judged: list[judgments.Judged], ranker: Ranker, seed: int = SEED):
    """(pairwise feature differences X, labels y, query index) over every judged query."""
    rng = np.random.default_rng(seed)
    xs, ys, qs = [], [], []
    for qi, j in enumerate(judged):
        keys, cos = pool_of(snap, ranker, j.key, j.same)
        listed = set(j.targets) - j.same
        is_pos = np.fromiter((k in listed for k in keys.tolist()), dtype=bool, count=len(keys))
        if not is_pos.any() or is_pos.all():
            continue
        profile = with_story_floor(snap, Profile.of(snap, [j.key]), snap.vector(j.key))
        feats = features(snap, profile, keys, cos)
        pos = feats[is_pos]
        neg_pool = feats[~is_pos]
        rand_keys = rng.choice(snap.n, RANDOM_NEGATIVES * len(pos) + len(j.same) + len(listed), replace=False)
        rand_keys = np.asarray([k for k in rand_keys.tolist() if k not in listed and k not in j.same])
        rand_keys = rand_keys[: RANDOM_NEGATIVES * len(pos)]
        q = snap.vector(j.key)
        rand = features(snap, profile, rand_keys, np.asarray(snap.vectors[rand_keys], dtype=np.float32) @ q)
        for p in pos:
            picks = neg_pool[rng.choice(len(neg_pool), min(POOL_NEGATIVES, len(neg_pool)), replace=False)]
            diff = np.concatenate([p - picks, p - rand[rng.choice(len(rand), min(RANDOM_NEGATIVES, len(rand)))]])
            # Both orders, so the regression sees balanced classes and needs no intercept.
            xs += [diff, -diff]
            ys += [np.ones(len(diff)), np.zeros(len(diff))]
            qs += [np.full(2 * len(diff), qi)]
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(qs)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    sd = x.std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)  # a constant feature (no languages known, say) gets weight 0 below
    model = LogisticRegression(C=C, max_iter=5000, fit_intercept=False).fit(x / sd, y)
    w = model.coef_[0] / sd
    w[x.std(axis=0) <= 1e-9] = 0.0
    return w.astype(np.float32)


def evaluate(engine: Engine, judged: list, ranker: Ranker) -> list[list[int]]:
    """What a user sees for each judged query under `ranker` (series list first), the query's duplicates left out."""
    engine.ranker = ranker
    snap = engine.snapshot
    out = []
    for j in judged:
        page = engine.similar(snap.ids[j.key], k=judgments.ANSWER)
        out.append(judgments.answer(page, snap, j.same))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--config", type=Path, default=None, help="bot.toml of the index to fit on (default: bot.toml)")
    ap.add_argument(
        "--pool",
        type=int,
        nargs=3,
        default=None,
        metavar=("CONTENT", "KNOWN", "TEXT"),
        help="the candidate pool: nearest stories, nearest well-known stories, nearest well-known in the free-text "
        "space (default: rank.py's)",
    )
    ap.add_argument("--write", action="store_true", help=f"write the weights to {WEIGHTS_FILE.relative_to(REPO)}")
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where --write writes")
    ap.add_argument("--drop", nargs="*", default=list(DROPPED), choices=FEATURES, help="features held at weight 0")
    args = ap.parse_args(argv)

    config = load_config(args.config)
    snap = Engine._load(config, resolver=False)
    engine = Engine(config, snap, Ranker.cosine_only())
    base = Ranker(weights=np.zeros(len(FEATURES), np.float32))
    if args.pool:
        base = replace(base, pool_content=args.pool[0], pool_known=args.pool[1], pool_text=args.pool[2])
    sets = [judgments.load(snap, path) for path in SETS]
    judged = [j for js in sets for j in js]
    x, y, qid = training_rows(snap, judged, base)
    x[:, [FEATURES.index(f) for f in args.drop]] = 0.0  # a constant column gets weight 0 in fit()
    # Folds by query title, so a title judged in both sets is never trained on while it is scored.
    fold_of = {key: i % FOLDS for i, key in enumerate(dict.fromkeys(j.key for j in judged))}
    folds = np.asarray([fold_of[j.key] for j in judged])
    answers: list[list[int] | None] = [None] * len(judged)
    for f in range(FOLDS):
        w = fit(x[folds[qid] != f], y[folds[qid] != f])
        held = [i for i in range(len(judged)) if folds[i] == f]
        ranker = replace(base, weights=w)
        for i, got in zip(held, evaluate(engine, [judged[i] for i in held], ranker), strict=True):
            answers[i] = got
    scores, at = [], 0
    for js in sets:
        scores.append(judgments.score(js, answers[at : at + len(js)]))
        at += len(js)
    w = fit(x, y)
    # The fit with one reading of the story (a description, or a build without the free-text space): the pools
    # that reading alone makes (no free-text candidates) and no content_text.
    x1, y1, _ = training_rows(snap, judged, replace(base, pool_text=0))
    x1[:, [FEATURES.index(f) for f in (*args.drop, "content_text")]] = 0.0
    final = replace(base, weights=w, one_reading=fit(x1, y1))
    fan = judgments.load_fan(snap)
    fan_score = judgments.fan_score(fan, evaluate(engine, fan, final))
    print(f"index: model={snap.manifest.get('model')} recipe={snap.manifest.get('text_recipe')} titles={snap.n}")
    for path, sc in zip(SETS, scores, strict=True):
        print(f"{path.name}: {FOLDS}-fold R@20/top10 {sc['r20_top10']:.4f}  nDCG@20 {sc['ndcg20']:.4f}")
    print(f"fan panel (judge, full fit): R@10 {fan_score['fan_r10']:.3f}  R@20 {fan_score['fan_r20']:.3f}")
    print("weights: " + ", ".join(f"{f}={v:+.4f}" for f, v in zip(FEATURES, w.tolist(), strict=True)))
    one_w = final.one_reading.tolist()
    print("one reading: " + ", ".join(f"{f}={v:+.4f}" for f, v in zip(FEATURES, one_w, strict=True)))
    if args.write:
        ranker = replace(
            final,
            model=str(snap.manifest.get("model")),
            recipe=str(snap.manifest.get("text_recipe")),
            fitted={
                "script": "bench/fit_ranker.py",
                "date": dt.date.today().isoformat(),
                "sets_sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in SETS},
                "queries": len(judged),
                "seed": SEED,
                "pool": {"content": final.pool_content, "known": final.pool_known, "text": final.pool_text},
                "pairs": "pairwise logistic, no intercept",
                "negatives_per_positive": {"pool": POOL_NEGATIVES, "random": RANDOM_NEGATIVES},
                "dropped": list(args.drop),
                "folds": FOLDS,
                "cv_r20_top10": {p.name: round(sc["r20_top10"], 4) for p, sc in zip(SETS, scores, strict=True)},
                "fan_r10_full_fit": round(fan_score["fan_r10"], 4),
            },
        )
        args.out.write_text(json.dumps(ranker.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
