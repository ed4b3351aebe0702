"""The OpenVINO backend (CPU): the model converted once, verified against torch, cached, run on OpenVINO.

The weights are converted by OpenVINO's own PyTorch frontend (`openvino.convert_model`, the converter optimum-intel
uses; no hand-written ONNX export), checked against torch fp32 on probe texts, and cached atomically as OpenVINO IR
under `cache_dir`. The export runs once, in a child process (`python -m morelike.encoders --export`, see
`_export_in_subprocess` for why). In bf16 (the `precision = "auto"` choice on CPUs that have it) it encoded 2.3x
the titles/s of FlixRec's torch fp32 on this project's 2-core CPU when quiet (3.9-4.6x under heavy shared load),
mean cosine 0.99999, 99.2% of 10-NN kept; f32 gives identical vectors but only 1.3x when quiet (bench/README.md).
sentence-transformers' own `backend="openvino"` needs optimum-intel, which pins transformers < 5.6; converting here
keeps transformers 5 and adds only the `openvino` wheel.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from morelike import native
from morelike.encoders.base import AUTO_BATCH, Encoder, ModelError
from morelike.encoders.torch_backend import load_sentence_transformer, torch_encoder

if TYPE_CHECKING:
    from morelike.settings import ModelSettings

log = logging.getLogger(__name__)

# True when usearch's C++ runtime was loaded before the system one: OpenVINO may then fail in this process.
# (`import morelike` loads the system one first, so this is only true when usearch was imported before morelike.)
_USEARCH_LOADED_FIRST = not native.loaded_before_usearch

EXPORT_FORMAT = 1  # bump when the cached OpenVINO artifact's layout or meaning changes
# Texts the export is checked on: the converted model must agree with torch fp32 before it is cached.
_PROBE_TEXTS = (
    "Taxi Driver: A mentally unstable Vietnam War veteran works as a night-time taxi driver in New York City. -  "
    " Genres:-  crime drama",
    "Toy Story: Led by Woody, Andy's toys live happily in his room until Andy's birthday brings Buzz Lightyear. "
    "-  Hang on for the comedy that goes to infinity and beyond! Genres:-  animation comedy family",
    "x",
)
_MIN_EXPORT_COSINE = 0.999


def _pooling_of(st_model) -> dict[str, Any] | None:
    """The post-transformer steps in a form the OpenVINO runner reproduces, or None when unsupported."""
    mods = list(st_model)
    kinds = [type(m).__name__ for m in mods]
    if len(mods) not in (2, 3) or kinds[0] != "Transformer" or kinds[1] != "Pooling":
        return None
    if len(mods) == 3 and kinds[2] != "Normalize":
        return None
    cfg = mods[1].get_config_dict()
    mode = cfg.get("pooling_mode")
    if mode not in ("mean", "cls", "max") or not cfg.get("include_prompt", True):
        return None
    default_prompt = getattr(st_model, "default_prompt_name", None)
    if getattr(st_model, "truncate_dim", None) or (default_prompt and st_model.prompts.get(default_prompt)):
        return None  # encode() would change the text or the vector in ways the runner does not copy
    return {"mode": mode}


@dataclass
class _Export:
    folder: Path
    meta: dict[str, Any]
    exported_now: bool


def _fingerprint(path: str) -> str:
    """Identifies the model's content, so an export is reused only for the very same weights and config."""
    import openvino

    h = hashlib.blake2b(digest_size=12)
    h.update(f"format={EXPORT_FORMAT} openvino={openvino.__version__}\n".encode())
    root = Path(path)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.parts):
        rel = file.relative_to(root).as_posix()
        if rel.endswith((".md", ".gitattributes")):
            continue
        h.update(f"{rel}\0{file.stat().st_size}\0".encode())
        if file.suffix in (".json", ".txt", ".model") or file.stat().st_size < 1 << 20:
            h.update(file.read_bytes())
        else:  # weights: size + head + tail is enough to tell checkpoints apart without reading 100s of MB
            with file.open("rb") as fh:
                h.update(fh.read(1 << 20))
                fh.seek(-(1 << 20), os.SEEK_END)
                h.update(fh.read())
    return h.hexdigest()


def _export_dir(cache_dir: Path, name: str, path: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.")[:60] or "model"
    return cache_dir / "openvino" / f"{slug}-{_fingerprint(path)}"


def _export_openvino(name: str, path: str, target: Path) -> _Export:
    """Convert the model with OpenVINO's PyTorch frontend into `target`, atomically (write aside, then rename)."""
    import openvino as ov
    import torch

    st_model = load_sentence_transformer(name, path, "cpu")
    pooling = _pooling_of(st_model)
    if pooling is None:
        raise _Unsupported(f"model '{name}' has modules the OpenVINO runner does not reproduce")
    hf_model = st_model[0].auto_model.eval()
    tokenizer = st_model.tokenizer
    max_len = st_model.max_seq_length
    example = tokenizer(list(_PROBE_TEXTS), padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    with torch.inference_mode():
        reference = st_model.encode(list(_PROBE_TEXTS), convert_to_numpy=True, normalize_embeddings=True)
    try:
        with warnings.catch_warnings():  # tracer chatter about shape-dependent branches; the probe check below
            warnings.simplefilter("ignore")  # is what tells whether the graph is right
            ov_model = ov.convert_model(hf_model, example_input=dict(example))
    except Exception as exc:
        raise _Unsupported(f"OpenVINO could not convert model '{name}': {exc}") from None
    inputs = [i.get_any_name() for i in ov_model.inputs]
    outputs = [o for o in ov_model.outputs if o.get_partial_shape().rank.get_length() == 3]
    if not outputs or not set(inputs) <= set(example):
        raise _Unsupported(f"the OpenVINO graph of '{name}' has unexpected inputs {inputs}")
    meta = {
        "format": EXPORT_FORMAT,
        "model": name,
        "inputs": inputs,
        "output": ov_model.outputs.index(outputs[0]),
        "pooling": pooling["mode"],
        "normalize": len(list(st_model)) == 3,
        "max_seq_length": max_len,
        "dimensions": int(st_model.get_embedding_dimension()),
        "openvino": ov.__version__,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        ov.save_model(ov_model, tmp / "model.xml", compress_to_fp16=False)
        # The export must reproduce torch fp32 before anything trusts it (a bad export once gave wrong vectors).
        got = _OpenVinoRunner(tmp, meta, tokenizer, "f32").embed(list(_PROBE_TEXTS))
        cosine = float((got * reference).sum(axis=1).min())
        if cosine < _MIN_EXPORT_COSINE:
            raise _Unsupported(f"OpenVINO export of '{name}' disagrees with torch (cosine {cosine:.4f})")
        meta["probe_min_cosine"] = round(cosine, 6)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        tokenizer.save_pretrained(tmp / "tokenizer")
        tmp.chmod(0o755)  # mkdtemp makes it private; the bot may run as another user than the builder
        for file in tmp.rglob("*"):
            if file.is_file():
                with file.open("rb") as fh:
                    os.fsync(fh.fileno())
        try:
            os.rename(tmp, target)
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)  # the rename itself survives a crash
            finally:
                os.close(dir_fd)
        except OSError:
            if not (target / "meta.json").exists():  # lost a race to another process: theirs is as good
                raise
            shutil.rmtree(tmp, ignore_errors=True)
            return _Export(target, json.loads((target / "meta.json").read_text(encoding="utf-8")), False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _Export(target, meta, True)


class _Unsupported(Exception):
    """The model cannot run on the OpenVINO runner; `auto` falls back to torch."""


EXPORT_TIMEOUT_S = 900
_RESULT = "MORELIKE-EXPORT-RESULT "


def _export_in_subprocess(name: str, path: str, target: Path) -> _Export:
    """Run the export in a fresh interpreter that has loaded nothing but torch and OpenVINO.

    Why: torch.jit.trace (inside openvino.convert_model) never returns in a process that has imported usearch
    first (their C++ runtimes disagree; reproduced with torch 2.13 + usearch 2.26), and the indexer imports usearch
    long before it encodes. A child process also leaves the parent without the tracing model's memory.
    """
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding the `morelike` package
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "morelike.encoders", "--export", name, path, str(target)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise _Unsupported(f"the OpenVINO export of '{name}' did not finish in {EXPORT_TIMEOUT_S} s") from None
    result = next((line for line in reversed(done.stdout.splitlines()) if line.startswith(_RESULT)), None)
    if result is None:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise _Unsupported(f"the OpenVINO export of '{name}' failed: {tail}")
    outcome = json.loads(result[len(_RESULT) :])
    if outcome["status"] == "model_error":
        raise ModelError(outcome["message"])
    if outcome["status"] != "ok":
        raise _Unsupported(outcome["message"])
    return _Export(target, json.loads((target / "meta.json").read_text(encoding="utf-8")), outcome["exported_now"])


def export_main(argv: list[str]) -> int:
    """The child of `_export_in_subprocess` (`python -m morelike.encoders --export NAME MODEL_PATH TARGET`)."""
    name, path, target = argv
    try:
        export = _export_openvino(name, path, Path(target))
        outcome = {"status": "ok", "exported_now": export.exported_now}
    except ModelError as exc:
        outcome = {"status": "model_error", "message": str(exc)}
    except _Unsupported as exc:
        outcome = {"status": "unsupported", "message": str(exc)}
    print(_RESULT + json.dumps(outcome), flush=True)
    return 0


class _OpenVinoRunner:
    def __init__(self, folder: Path, meta: dict[str, Any], tokenizer, precision: str) -> None:
        import openvino as ov

        self.meta = meta
        self.tokenizer = tokenizer
        self.max_len = meta["max_seq_length"]
        core = ov.Core()
        config: dict[str, Any] = {"PERFORMANCE_HINT": "THROUGHPUT"}
        if precision in ("f32", "bf16", "f16"):
            config["INFERENCE_PRECISION_HINT"] = precision
        self.compiled = core.compile_model(str(folder / "model.xml"), "CPU", config)
        # What OpenVINO actually runs: a bf16 request stays f32 on a CPU without bf16 support.
        self.precision = self.compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        self.requests = max(1, int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        self._lock = threading.Lock()  # the synchronous path shares one infer request; the bot calls from threads
        self.embed(["ok"])  # fail here, at load, if this process cannot run the model

    def _features(self, batch: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_len, return_tensors="np")
        feed = {name: np.asarray(enc[name], dtype=np.int64) for name in self.meta["inputs"]}
        return feed, np.asarray(enc["attention_mask"])

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = np.asarray(hidden, dtype=np.float32)
        mode = self.meta["pooling"]
        if mode == "cls":
            vectors = hidden[:, 0]
        elif mode == "max":
            vectors = np.where(mask[..., None] > 0, hidden, -1e9).max(axis=1)
        else:
            m = mask[..., None].astype(np.float32)
            vectors = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, batch: list[str]) -> np.ndarray:
        feed, mask = self._features(batch)
        with self._lock:
            hidden = self.compiled(feed)[self.meta["output"]]
        return self._pool(hidden, mask)

    def embed_all(self, batches: list[list[str]], store: Callable[[int, np.ndarray], None]) -> None:
        """Keeps `requests` batches in flight (OpenVINO's throughput streams) while the next ones tokenize.

        No Python runs on OpenVINO's threads (no completion callbacks): a callback there can trigger Python's
        garbage collector, which may destroy an old compiled model whose destructor then joins the very thread it
        runs on ("Resource deadlock avoided", an abort). Requests are reused round-robin and each result is
        collected on the calling thread before its request is started again.
        """
        if len(batches) == 1 or self.requests == 1:
            for i, batch in enumerate(batches):
                store(i, self.embed(batch))
            return
        output = self.meta["output"]
        requests = [self.compiled.create_infer_request() for _ in range(self.requests)]
        pending: list[tuple[int, np.ndarray] | None] = [None] * len(requests)

        def collect(slot: int) -> None:
            started = pending[slot]
            if started is None:  # no request running in that slot
                return
            index, mask = started
            requests[slot].wait()
            store(index, self._pool(requests[slot].get_output_tensor(output).data, mask))
            pending[slot] = None

        try:
            for i, batch in enumerate(batches):
                slot = i % len(requests)
                if pending[slot] is not None:
                    collect(slot)
                feed, mask = self._features(batch)
                requests[slot].start_async(feed)
                pending[slot] = (i, mask)
            for slot in range(len(requests)):
                if pending[slot] is not None:
                    collect(slot)
        finally:
            for slot, request in enumerate(requests):
                if pending[slot] is not None:
                    request.wait()  # never leave a request running on buffers we are about to drop


def _runtime_problem(exc: Exception) -> str:
    hint = " (usearch was imported before morelike: call preload_cxx_runtime() first)"
    return f"OpenVINO fails in this process{hint if _USEARCH_LOADED_FIRST else ''}: {exc!r}"


def _open_runner(export: _Export, precision: str) -> _OpenVinoRunner:
    from transformers import AutoTokenizer

    if export.meta.get("format") != EXPORT_FORMAT:
        raise ValueError(f"export format {export.meta.get('format')} is not {EXPORT_FORMAT}")
    tokenizer = AutoTokenizer.from_pretrained(str(export.folder / "tokenizer"), local_files_only=True)
    return _OpenVinoRunner(export.folder, export.meta, tokenizer, precision)


def openvino_encoder(settings: ModelSettings, path: str, cache_dir: Path, precision: str, required: bool) -> Encoder:
    try:
        target = _export_dir(cache_dir, settings.name, path)
        # auto: bf16 where the CPU has it (cosine 0.99998 to fp32 on this model; OpenVINO keeps f32 elsewhere)
        wanted = "bf16" if precision == "auto" else precision
        export = runner = None
        if (target / "meta.json").exists():
            try:
                export = _Export(target, json.loads((target / "meta.json").read_text(encoding="utf-8")), False)
                runner = _open_runner(export, wanted)
            except Exception as exc:  # a damaged cache (disk full, hand-edited): export again rather than fail
                if _USEARCH_LOADED_FIRST:  # the cache is probably fine; this process cannot run OpenVINO
                    raise _Unsupported(_runtime_problem(exc)) from None
                log.warning("event=openvino_cache_broken path=%s reason=%r action=re-export", target, str(exc))
                broken = target.with_name(f".{target.name}.broken-{os.getpid()}")
                os.rename(target, broken)
                shutil.rmtree(broken, ignore_errors=True)
                export = runner = None
        if export is None or runner is None:  # both or neither: a cache that opens gives both
            log.info("event=openvino_export model=%s target=%s", settings.name, target)
            export = _export_in_subprocess(settings.name, path, target)
            try:
                runner = _open_runner(export, wanted)
            except Exception as exc:  # a fresh, verified export that will not run: the process is the problem
                raise _Unsupported(_runtime_problem(exc)) from None
    except _Unsupported as exc:
        if required:
            raise ModelError(f"[model] backend 'openvino' cannot run this model: {exc}.") from None
        log.warning("event=openvino_unsupported model=%s reason=%r fallback=torch", settings.name, str(exc))
        return torch_encoder(settings, path, "cpu", "f32")
    except OSError as exc:
        raise ModelError(f"Cannot write or read the model cache in {cache_dir}: {exc.strerror or exc}.") from None
    return Encoder(
        name=settings.name,
        model_path=path,
        dimensions=int(export.meta["dimensions"]),
        backend="openvino",
        device="cpu",
        precision=runner.precision,
        batch_size=settings.batch_size or AUTO_BATCH["openvino"],
        max_seq_length=export.meta["max_seq_length"],
        run_batch=runner.embed,
        run_all=runner.embed_all,
        artifact_path=export.folder,
        exported_now=export.exported_now,
    )
