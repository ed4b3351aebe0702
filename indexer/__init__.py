"""MoreLike's indexer: catalog -> working store (SQLite) + embeddings -> a published build (morelike.build)."""

import morelike  # noqa: F401 - process set-up (C++ runtime before usearch, no OpenVINO telemetry)
