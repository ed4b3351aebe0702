"""The torch backend: sentence-transformers as is, fp32 on the CPU, fp16 on CUDA; and which torch device to use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from morelike.encoders.base import AUTO_BATCH, Encoder, ModelError

if TYPE_CHECKING:
    from morelike.settings import ModelSettings

DEVICES = ("auto", "cpu", "cuda")


def pick_device(wanted: str) -> str:
    """`[model] device` as torch can honour it: `auto` is CUDA when torch sees a device, else the CPU."""
    if wanted not in DEVICES:
        raise ModelError(f"[model] device must be one of {', '.join(DEVICES)}, not '{wanted}'.")
    import torch

    cuda = torch.cuda.is_available()
    if wanted == "cuda" and not cuda:
        raise ModelError("[model] device is 'cuda' but torch sees no CUDA device; use 'auto' or 'cpu'.")
    if wanted == "auto":
        return "cuda" if cuda else "cpu"
    return wanted


def load_sentence_transformer(name: str, path: str, device: str):
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(path, device=device, local_files_only=True)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"Model '{name}' at {path} could not be loaded: {reason.rstrip('.')}.") from None


def torch_encoder(settings: ModelSettings, path: str, device: str, precision: str) -> Encoder:
    import torch

    model = load_sentence_transformer(settings.name, path, device)
    if device == "cuda" and precision == "f16":
        model.half()
    model.eval()
    dims = model.get_embedding_dimension()
    if not dims:
        raise ModelError(f"Model '{settings.name}' does not say its embedding size; it is not a sentence embedder.")

    def run_batch(batch: list[str]) -> np.ndarray:
        with torch.inference_mode():
            vectors = model.encode(
                batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)

    return Encoder(
        name=settings.name,
        model_path=path,
        dimensions=int(dims),
        backend="torch",
        device=device,
        precision=precision,
        batch_size=settings.batch_size or AUTO_BATCH["cuda" if device == "cuda" else "torch"],
        max_seq_length=model.max_seq_length,
        run_batch=run_batch,
    )
