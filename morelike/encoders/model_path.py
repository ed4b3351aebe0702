"""Where a configured model's files are: an installed model package, a folder, or a hub model already cached.

Nothing is ever downloaded: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set when this module is imported (the
package imports it before any backend can import Hugging Face), and again at each load.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path

from morelike.encoders.base import ModelError


def offline_env() -> None:
    # Set again at each load: a caller may have changed the environment after import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


offline_env()


def _not_found(name: str) -> ModelError:
    return ModelError(f"Model '{name}' not found: not an installed model package, a folder, or a cached hub model.")


def resolve_model_path(name: str) -> str:
    """The local folder holding model `name`: an installed model package, a folder, or a cached hub model."""
    offline_env()
    if not name or not name.strip():
        raise _not_found(name)
    folder = Path(name).expanduser()
    if folder.is_dir():
        return str(folder.resolve())
    module_name = name.replace("-", "_")
    if module_name.isidentifier():
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                raise ModelError(f"Model package '{name}' is installed but cannot be imported: {exc}.") from None
            get_path = getattr(module, "get_model_path", None)
            if callable(get_path):
                path = Path(str(get_path()))
                if path.is_dir():
                    return str(path.resolve())
                raise ModelError(f"Model package '{name}' points at {path}, which is not a folder.")
    if re.fullmatch(r"[\w.-]+(/[\w.-]+)?", name):
        from huggingface_hub import snapshot_download

        # sentence-transformers' short names ("all-MiniLM-L6-v2") live under the sentence-transformers org.
        for repo_id in (name,) if "/" in name else (name, f"sentence-transformers/{name}"):
            try:
                return snapshot_download(repo_id=repo_id, local_files_only=True)
            except Exception:  # not cached (or not a valid repo id): try the next spelling, then give up
                continue
    raise _not_found(name)
