"""No telemetry: OpenVINO's usage reporting is switched off before anything can import openvino.

`import openvino` imports its model converter (`openvino.tools.ovc`), which at import time initialises the
`openvino_telemetry` package with `enable_opt_in_dialog=False`: a missing consent file counts as consent, a Google
Analytics client id and a usage counter are written to `~/intel/`, and an "import" event is sent. The package's only
opt-out (`opt_in_out --opt_out`) writes a consent file into the user's home, which this product must not touch, and
it honours no environment variable except CI markers. OpenVINO itself falls back to a no-op stub
(`openvino.tools.ovc.telemetry_stub`) when `openvino_telemetry` cannot be imported, so `opt_out()` makes exactly that
import fail for this process: nothing is written, nothing is sent. The `indexer` package calls it on import; `bot`
imports `indexer` first, and the converter's subprocess (`python -m morelike.encoders --export`) runs it too.
"""

from __future__ import annotations

import sys

BLOCKED = ("openvino_telemetry", "openvino_telemetry.backend", "openvino_telemetry.backend.backend_ga4")


def opt_out() -> None:
    """Make `import openvino_telemetry` fail in this process (a `None` in sys.modules), unless already imported."""
    for name in BLOCKED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def active() -> bool:
    """Whether OpenVINO's real telemetry is loaded in this process (it must not be)."""
    return any(sys.modules.get(name) is not None for name in BLOCKED)
