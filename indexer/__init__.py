"""MoreLike's indexer: catalog -> SQLite + embeddings -> published usearch index."""

from indexer.native import preload_cxx_runtime
from indexer.telemetry import opt_out as _no_telemetry

_no_telemetry()  # before anything imports openvino: see indexer/telemetry.py
preload_cxx_runtime()  # before anything imports usearch: see indexer/native.py
