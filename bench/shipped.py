"""What the two trainers of shipped static models share: saving a trained model into the package, and `--check`.

`bench/train_static.py` (the story model) and `bench/train_multilingual.py` (the free-text model) each train a
model2vec `StaticModel`; both ship it the same way (f16 vectors, no path of the training machine, a marker file with
the inputs' fingerprint, an atomic swap of the folder) and verify it the same way (retrain aside, compare vectors).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.teacher import read_catalog
from morelike.catalog.documents import document_text
from morelike.encoders.static import SHIPPED, SHIPPED_MARKER

REPO = Path(__file__).resolve().parent.parent
CHECK_TEXTS = 2_000
CHECK_MIN_COSINE = 0.98


def save_shipped(model, out: Path, meta: dict, teacher: str, write_extra: Callable[[Path], None] | None = None) -> dict:
    """Write `model` as the shipped folder `out` (vectors in f16: half the size, the encoder computes in f32), with
    `meta` in its marker file; `write_extra(folder)` adds files of its own. Replaces `out` in one rename."""
    from safetensors.numpy import load_file, save_file

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    model.save_pretrained(str(tmp), model_name=meta["name"])
    path = tmp / "model.safetensors"
    save_file({k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in load_file(path).items()}, str(path))
    config_path = tmp / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(tokenizer_name=teacher, embedding_dtype="float16")  # no path of the machine that trained it
    config_path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    if write_extra is not None:
        write_extra(tmp)
    (tmp / SHIPPED_MARKER).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp.chmod(0o755)
    for file in tmp.iterdir():
        file.chmod(0o644)
    if out.exists():
        shutil.rmtree(out)
    os.rename(tmp, out)
    return meta


def agreement(a: Path, b: Path, texts: list[str]) -> float:
    """Mean cosine between two static models' vectors of the same texts."""
    from model2vec import StaticModel

    va = StaticModel.from_pretrained(str(a), quantize_to="float32").encode(texts)
    vb = StaticModel.from_pretrained(str(b), quantize_to="float32").encode(texts)
    va /= np.maximum(np.linalg.norm(va, axis=1, keepdims=True), 1e-9)
    vb /= np.maximum(np.linalg.norm(vb, axis=1, keepdims=True), 1e-9)
    return float(np.mean(np.sum(va * vb, axis=1)))


def main(
    description: str,
    name: str,
    train: Callable[[Path, Path], dict],
    fingerprint: Callable[[bytes, dict], str],
    seed: int,
    argv: list[str] | None = None,
) -> int:
    """The trainers' command line: train into the package, or (`--check`) check the shipped model's fingerprint
    against these inputs (`fingerprint(catalog bytes, shipped marker)`) and retrain aside to compare vectors."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--catalog", type=Path, default=REPO / "data" / "catalog.jsonl.gz")
    parser.add_argument("--check", action="store_true", help="train aside and compare with the shipped model")
    args = parser.parse_args(argv)
    target = SHIPPED / name
    if not args.check:
        print(json.dumps(train(args.catalog, target), indent=2))
        return 0
    shipped = json.loads((target / SHIPPED_MARKER).read_text(encoding="utf-8"))
    expected = fingerprint(args.catalog.read_bytes(), shipped)
    if shipped["inputs"] != expected:
        print(f"fingerprint differs: shipped {shipped['inputs']}, these inputs {expected}: retrain (no --check)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        meta = train(args.catalog, Path(tmp) / name)
        titles = read_catalog(args.catalog)
        rng = np.random.default_rng(seed)
        sample = [document_text(titles[i], "story") for i in rng.choice(len(titles), CHECK_TEXTS, replace=False)]
        agree = agreement(target, Path(tmp) / name, sample)
    print(f"fingerprint {meta['inputs']} matches; mean cosine shipped vs retrained {agree:.4f}")
    return 0 if agree >= CHECK_MIN_COSINE else 1
