"""MoreLike's bot: the engine and its faces (Discord, REST API, terminal)."""

import indexer  # noqa: F401 - loads the system C++ runtime before usearch (indexer/native.py)
