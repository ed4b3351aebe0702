"""What every backend returns: an `Encoder` (texts -> float32, L2-normalised rows), and `ModelError`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

# batch_size = 0 picks these. A GPU wants big batches; on the CPU, OpenVINO runs two small batches at once (one per
# core) and short batches waste little on padding: bs 16-32 measured fastest there (bench/README.md).
AUTO_BATCH = {"cuda": 256, "openvino": 16, "torch": 32, "static": 1024}


class ModelError(Exception):
    """The configured model cannot be loaded; the message is one sentence for the operator."""


class Encoder:
    """A loaded model. `encode` returns float32, L2-normalised rows, one per text, in input order."""

    def __init__(
        self,
        *,
        name: str,
        model_path: str,
        dimensions: int,
        backend: str,
        device: str,
        precision: str,
        batch_size: int,
        max_seq_length: int | None,
        run_batch: Callable[[list[str]], np.ndarray],
        run_all: Callable[[list[list[str]], Callable[[int, np.ndarray], None]], None] | None = None,
        run_query: Callable[[str], np.ndarray] | None = None,
        artifact_path: Path | None = None,
        exported_now: bool = False,
    ) -> None:
        self.name = name  # the configured name: what the manifest records and the bot checks
        self.model_path = model_path
        self.dimensions = dimensions
        self.backend = backend
        self.device = device
        self.precision = precision
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.artifact_path = artifact_path  # the cached OpenVINO export, if any
        self.exported_now = exported_now  # True only when this load did the (one-time) export
        self._run_batch = run_batch
        self._run_all = run_all
        self._run_query = run_query  # asymmetric models (E5): a search query is encoded unlike a catalog text

    def __repr__(self) -> str:
        return (
            f"Encoder(name={self.name!r}, backend={self.backend!r}, device={self.device!r}, "
            f"precision={self.precision!r}, dimensions={self.dimensions})"
        )

    def encode_query(self, text: str) -> np.ndarray:
        """One search query (a `/discover` description) as a float32, L2-normalised row of shape (1, dims)."""
        if self._run_query is None:
            return self.encode([text], batch_size=1)
        vec = np.asarray(self._run_query(text), dtype=np.float32).reshape(1, -1)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        bs = max(1, int(batch_size or self.batch_size))
        # Longest first, like sentence-transformers: batches of similar length waste little on padding, and a
        # mixed catalog (one-line JustWatch blurbs beside Wikipedia plots) has a lot of it otherwise.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        batches = [order[i : i + bs] for i in range(0, len(order), bs)]
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc=f"encode ({self.backend}/{self.device})", unit="title", smoothing=0.1)
        lock = threading.Lock()

        def store(i: int, vectors: np.ndarray) -> None:
            out[batches[i]] = vectors
            if bar is not None:
                with lock:
                    bar.update(len(batches[i]))

        try:
            texts_of = [[texts[j] for j in b] for b in batches]
            if self._run_all is not None:
                self._run_all(texts_of, store)
            else:
                for i, batch in enumerate(texts_of):
                    store(i, self._run_batch(batch))
        finally:
            if bar is not None:
                bar.close()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out
