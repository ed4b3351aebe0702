"""Text encoders: a title's document -> an L2-normalised vector (static, OpenVINO, torch or CUDA).

`load_encoder` (choose.py) picks the backend: static.py (model2vec, the default), openvino_backend.py (CPU),
torch_backend.py (CPU fp32, CUDA fp16). base.py holds what they all return (`Encoder`) and raise (`ModelError`);
model_path.py finds a model's files without downloading anything.
"""

from morelike.encoders.base import Encoder, ModelError
from morelike.encoders.choose import load_encoder
from morelike.encoders.model_path import resolve_model_path

__all__ = ["Encoder", "ModelError", "load_encoder", "resolve_model_path"]
