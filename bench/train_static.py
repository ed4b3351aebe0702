"""Train the shipped static story model: model2vec distilled from all-MiniLM-L6-v2, then trained on the catalog's
own synopses to reproduce the transformer's vectors (tokenlearn's recipe).

    pip install --no-deps tokenlearn==0.2.1      # the training loop (its other needs are already installed)
    python bench/train_static.py [--check]       # writes morelike/encoders/shipped/morelike-story/

Why (issue 19, bench/README.md): the plain distillation runs the teacher over each vocabulary token alone, never
over a sentence, and loses what a story is about (Ocean's 8 was the 10,216th nearest story to Ocean's Eleven; the
transformer puts it 468th). tokenlearn fits the token vectors (and a weight per token) so that the mean over a
synopsis's tokens, through a linear map, lands on the transformer's vector of that synopsis; the map is dropped
after training. It is trained on text only (the teacher's vectors of the catalog's synopses): no judgment of
similarity, no benchmark list is read.

Inputs: the bundled catalog and the teacher vectors of `bench/teacher.py` (cached outside the clone; ~6 min on
2 AVX-512 cores, longer on AVX2, minutes on a GPU). Deterministic on one machine (seeded, one thread); another
CPU gives teacher vectors that differ in the last bits, so the weights are compared by their vectors, not bytes.
`--check` trains into a temporary folder and compares it with the shipped one: the inputs' fingerprint must
match and the two models' vectors for 2,000 catalog texts must agree (mean cosine >= 0.98).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.shipped import main as shipped_main  # noqa: E402
from bench.shipped import save_shipped  # noqa: E402
from bench.teacher import DEFAULT_MODEL, read_catalog, teacher_vectors  # noqa: E402
from morelike.catalog.documents import document_text  # noqa: E402
from morelike.encoders.model_path import resolve_model_path  # noqa: E402
from morelike.encoders.static import fingerprint_inputs  # noqa: E402

SEED = 20261207
PCA_DIMS = 256
NAME = "morelike-story"


def train(catalog: Path, out: Path, teacher: str = DEFAULT_MODEL) -> dict:
    import torch
    from model2vec.distill import distill
    from tokenlearn.train import train_model

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(max(1, (os.cpu_count() or 1)))
    started = time.perf_counter()
    titles = read_catalog(catalog)
    _, vectors = teacher_vectors(catalog, teacher, titles=titles)
    vectors = np.asarray(vectors, dtype=np.float32)
    live = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    # The text the index encodes (the story recipe: synopsis + genres), the target the teacher's synopsis vector.
    texts = [document_text(titles[i], "story") for i in live]
    order = np.random.default_rng(SEED).permutation(len(live))  # the validation split is tokenlearn's last 10 %
    texts = [texts[i] for i in order]
    targets = vectors[live][order]
    base = distill(model_name=resolve_model_path(teacher), pca_dims=PCA_DIMS, quantize_to="float32", device="cpu")
    model = train_model(base, texts, targets, device="cpu", pca_dims=PCA_DIMS)
    meta = {
        "name": NAME,
        "teacher": teacher,
        "recipe": "tokenlearn 0.2.1 train_model on the story recipe's texts, targets the teacher's synopsis vectors",
        "pca_dims": PCA_DIMS,
        "seed": SEED,
        "texts": len(texts),
        "inputs": fingerprint_inputs(catalog.read_bytes(), teacher),
        "seconds": round(time.perf_counter() - started, 1),
        "script": "bench/train_static.py",
    }
    return save_shipped(model, out, meta, teacher)


def main(argv: list[str] | None = None) -> int:
    return shipped_main(
        __doc__.splitlines()[0], NAME, train, lambda catalog, marker: fingerprint_inputs(catalog, marker["teacher"]),
        SEED, argv,
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
