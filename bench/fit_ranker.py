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
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import judgments  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.engine.rank import FEATURES, POOL_CONTENT, POOL_PRIOR, WEIGHTS_FILE, Profile, Ranker, features  # noqa: E402
from morelike.engine.search import top_k  # noqa: E402
from morelike.settings import load_config  # noqa: E402

SEED = 20261201
RANDOM_NEGATIVES = 400
# No "hard" negatives (the nearest titles by content that people did not list): with them the fit learned that
# content similarity *lowers* the odds (its weight went negative), because the lists come from co-viewing and the
# nearest stories are exactly what such a sample marks wrong. Against random titles, content counts as it should.
HARD_NEGATIVES = 0
FOLDS = 5
C = 1.0  # logistic regression's inverse regularisation
# Held at 0 by default: with the square of the content similarity free, the fit made content count LESS past a
# cosine of 0.43 (the development set's lists come from co-viewing, and its near-duplicates in content are often
# not on them). People asking for "more like this" mean the opposite: content similarity must only ever help.
DROPPED = ("content_sq",)


def training_rows(snap, judged: list[judgments.Judged], seed: int = SEED):
    """(X, y, query index) over every judged query."""
    rng = np.random.default_rng(seed)
    xs, ys, qs = [], [], []
    for qi, j in enumerate(judged):
        q = snap.vector(j.key)
        positives = list(dict.fromkeys(t for t in j.targets if t not in j.same))
        hard = (
            top_k(snap, q, HARD_NEGATIVES + len(j.same), None, sorted(j.same), force="exact").keys.tolist()
            if HARD_NEGATIVES
            else []
        )
        rand = rng.choice(snap.n, RANDOM_NEGATIVES, replace=False).tolist()
        pos = set(positives)
        negatives = [k for k in dict.fromkeys(hard + rand) if k not in pos and k not in j.same]
        keys = np.asarray(positives + negatives, dtype=np.int64)
        cos = np.asarray(snap.vectors[keys], dtype=np.float32) @ q
        xs.append(features(snap, Profile.of(snap, [j.key]), keys, cos))
        ys.append(np.r_[np.ones(len(positives)), np.zeros(len(negatives))])
        qs.append(np.full(len(keys), qi))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(qs)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 1e-9, sd, 1.0)  # a constant feature (no languages known, say) gets weight 0 below
    model = LogisticRegression(C=C, max_iter=5000).fit((x - mu) / sd, y)
    w = model.coef_[0] / sd
    w[x.std(axis=0) <= 1e-9] = 0.0
    return w.astype(np.float32)


def evaluate(engine: Engine, judged: list[judgments.Judged], ranker: Ranker) -> list[list[int]]:
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
    ap.add_argument("--eval", type=Path, default=judgments.DEV_SET, help="the development set")
    ap.add_argument("--write", action="store_true", help=f"write the weights to {WEIGHTS_FILE.relative_to(REPO)}")
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where --write writes")
    ap.add_argument("--drop", nargs="*", default=list(DROPPED), choices=FEATURES, help="features held at weight 0")
    args = ap.parse_args(argv)

    config = load_config(args.config)
    snap = Engine._load(config, resolver=False)
    engine = Engine(config, snap, Ranker.cosine_only())
    judged = judgments.load(snap, args.eval)
    x, y, qid = training_rows(snap, judged)
    x[:, [FEATURES.index(f) for f in args.drop]] = 0.0  # a constant column gets weight 0 in fit()
    folds = np.arange(len(judged)) % FOLDS
    answers: list[list[int] | None] = [None] * len(judged)
    for f in range(FOLDS):
        w = fit(x[folds[qid] != f], y[folds[qid] != f])
        held = [i for i in range(len(judged)) if folds[i] == f]
        ranker = Ranker(weights=w, pool_content=POOL_CONTENT, pool_prior=POOL_PRIOR)
        for i, got in zip(held, evaluate(engine, [judged[i] for i in held], ranker), strict=True):
            answers[i] = got
    cv = judgments.score(judged, answers)
    cosine = judgments.score(judged, evaluate(engine, judged, Ranker.cosine_only()))
    print(f"index: model={snap.manifest.get('model')} recipe={snap.manifest.get('text_recipe')} titles={snap.n}")
    print(f"plain cosine      R@20/top10 {cosine['r20_top10']:.4f}  nDCG@20 {cosine['ndcg20']:.4f}")
    print(f"fitted, {FOLDS}-fold    R@20/top10 {cv['r20_top10']:.4f}  nDCG@20 {cv['ndcg20']:.4f}")
    w = fit(x, y)
    print("weights: " + ", ".join(f"{f}={v:+.4f}" for f, v in zip(FEATURES, w.tolist(), strict=True)))
    if args.write:
        ranker = Ranker(
            weights=w,
            model=str(snap.manifest.get("model")),
            recipe=str(snap.manifest.get("text_recipe")),
            pool_content=POOL_CONTENT,
            pool_prior=POOL_PRIOR,
            fitted={
                "script": "bench/fit_ranker.py",
                "date": dt.date.today().isoformat(),
                "dev_set_sha256": hashlib.sha256(args.eval.read_bytes()).hexdigest()[:16],
                "queries": len(judged),
                "seed": SEED,
                "negatives": {"random": RANDOM_NEGATIVES, "nearest": HARD_NEGATIVES},
                "dropped": list(args.drop),
                "folds": FOLDS,
                "cv_r20_top10": round(cv["r20_top10"], 4),
                "cv_ndcg20": round(cv["ndcg20"], 4),
                "cosine_r20_top10": round(cosine["r20_top10"], 4),
            },
        )
        args.out.write_text(json.dumps(ranker.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
