"""MoreLike's shared core: settings, the title record, the published-build format, the encoders and the engine.

Both apps import it (`indexer` builds what `bot` serves); it imports neither. Importing it first sets up the process:
"""

from morelike.native import preload_cxx_runtime
from morelike.telemetry import opt_out as _no_telemetry

_no_telemetry()  # before anything imports openvino: see morelike/telemetry.py
preload_cxx_runtime()  # before anything imports usearch: see morelike/native.py
