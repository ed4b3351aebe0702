"""MoreLike's indexer: catalog -> SQLite + embeddings -> published usearch index."""

from indexer.native import preload_cxx_runtime

preload_cxx_runtime()  # before anything imports usearch: see indexer/native.py
