"""`python -m morelike.encoders --export NAME MODEL_PATH TARGET`: the OpenVINO export's child process.

The parent (`openvino_backend._export_in_subprocess`) starts it so that the conversion runs in a fresh interpreter;
it prints one result line that the parent reads. It is the package's `__main__` rather than `python -m` on the
backend module itself because the package imports that module first, and running an already imported module as
`__main__` would load it twice.
"""

import sys

from morelike.encoders.openvino_backend import export_main

if len(sys.argv) == 5 and sys.argv[1] == "--export":
    raise SystemExit(export_main(sys.argv[2:]))
raise SystemExit("usage: python -m morelike.encoders --export NAME MODEL_PATH TARGET")
