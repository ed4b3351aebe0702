"""MoreLike's faces over the engine (morelike.engine): Discord, the REST API and the terminal."""

import morelike  # noqa: F401 - process set-up (C++ runtime before usearch, no OpenVINO telemetry)
