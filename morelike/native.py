"""Native-library load order, and handing freed memory back to the OS.

usearch's extension links libstdc++ statically. When it is the first C++ library a process loads, libraries
loaded after it (OpenVINO, torch.jit) break: C++ exceptions lose their messages, iostreams throw bad_cast and
torch.jit.trace never returns (reproduced with usearch 2.26.6, torch 2.13.0, openvino 2026.4.1). Loading the
system libstdc++ with RTLD_GLOBAL first makes every library share it. The `indexer` package (which `bot`
imports first) does this on import, before anything can import usearch; calling it again is free.
"""

from __future__ import annotations

import sys

# Whether the runtime was loaded before usearch's extension: if not, OpenVINO may fail in this process.
loaded_before_usearch: bool | None = None


def preload_cxx_runtime() -> None:
    global loaded_before_usearch
    if loaded_before_usearch is None:
        loaded_before_usearch = "usearch.compiled" not in sys.modules
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libstdc++.so.6", mode=ctypes.RTLD_GLOBAL)
        except OSError:
            pass


def trim_heap() -> None:
    """Hand memory that Python and numpy freed back to the OS: glibc keeps freed blocks for reuse, so a process
    that held a catalog's texts once (the indexer's encode, a snapshot's load) keeps them in its resident memory
    for good otherwise (measured at 1.3M titles: issue 24)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
