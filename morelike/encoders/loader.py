"""Transitional: the old import path of `load_encoder`, kept only for morelike/engine/engine.py, which is being
edited elsewhere right now. Import from `morelike.encoders` instead; delete this module once engine.py does."""

from morelike.encoders import Encoder, ModelError, load_encoder, resolve_model_path

__all__ = ["Encoder", "ModelError", "load_encoder", "resolve_model_path"]
