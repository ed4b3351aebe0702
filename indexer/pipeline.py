"""The indexer's main job: import a catalog into the working store, encode what changed, publish.

File sources (the bundled catalog or an operator's JSONL/CSV) are authoritative snapshots: a complete read
publishes exactly the titles in the file, and titles that left the file are dropped from the store. The Trakt
source accumulates: the crawl's rows (`trakt-…` ids) are published, and a file build leaves them alone.
Encoding is incremental: each title's text hash is cached with its vector, so a rebuild re-encodes only titles
whose text changed, and an encode killed midway resumes from the last saved batch.

Every phase resumes where it stopped: a finished crawl is not fetched again, cached vectors are not encoded
again, and an unchanged build is not published again. One writer at a time holds the state dir's lock
(indexer/lock.py). A build never shrinks the published index by surprise: publishing fewer titles than the
current build from another source, or under `--limit`, is refused unless `allow_shrink` says so.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.lock import StateLock
from indexer.sources import read_catalog
from indexer.store import Store, StoredTitles, UpsertStats
from morelike.build.layout import published_manifest
from morelike.build.writer import PublishError, publish
from morelike.catalog.documents import document_text, text_hash
from morelike.catalog.records import RecordError, Title, Titles
from morelike.native import trim_heap
from morelike.progress import tqdm  # a bar on a terminal, plain lines in a log
from morelike.settings import Config, ModelSettings
from morelike.shutdown import finish, interruptible

if TYPE_CHECKING:
    from indexer.trakt import TraktRunSummary  # imported when a Trakt run needs it: aiohttp is not for file builds

log = logging.getLogger("morelike.indexer")
IMPORT_BATCH = 1000
ENCODE_BATCHES_PER_CHUNK = 16  # vectors are cached after each chunk of batches: the unit of resume for a killed encode
# A chunk is also the unit of a clean stop: Ctrl-C or SIGTERM (docker stop) lets the chunk under way finish and be
# saved, and a stop must be over within 2 s (the chunk, its save, the process exit). So chunks are sized to take
# about this long here (2 to 16 batches), from the speed measured on the previous chunk.
ENCODE_CHUNK_TARGET_S = 1.0
ENCODE_MIN_BATCHES_PER_CHUNK = 2  # keeps OpenVINO's parallel infer requests busy
MAX_REPORTED_BAD_LINES = 20
TRAKT_PREFIX = "trakt-"  # ids of titles that came from the Trakt crawl


@dataclass
class BuildSummary:
    source: str
    read: int = 0
    bad_lines: int = 0
    bad_examples: list[tuple[int, str]] = field(default_factory=list)
    upserts: UpsertStats = field(default_factory=UpsertStats)
    removed: int = 0
    encoded: int = 0
    reused: int = 0
    encode_seconds: float = 0.0
    free_text_encoded: int = 0  # titles encoded for /discover's own space ([model] free_text)
    published: int = 0
    build_id: str = ""
    up_to_date: bool = False
    publish_seconds: float = 0.0
    unreachable: int = 0  # titles a vector search of their own vector does not find (morelike/build/writer.py)
    total_seconds: float = 0.0
    trakt: TraktRunSummary | None = None

    def skip(self, path: Path, line_no: int, reason: str) -> None:
        """Count a skipped catalog line; the first few are kept with their line number for the summary (which the
        CLI prints once), every one is logged at INFO (-v)."""
        self.bad_lines += 1
        if len(self.bad_examples) < MAX_REPORTED_BAD_LINES:
            self.bad_examples.append((line_no, reason))
        log.info("skipped bad catalog line file=%s line=%d reason=%s", path.name, line_no, reason)

    def add_trakt(self, run: TraktRunSummary) -> None:
        """A Trakt crawl or sync is this build's import: its counts are what the build read and stored."""
        self.trakt = run
        self.read = run.stored
        self.upserts = UpsertStats(run.inserted, run.updated, run.unchanged)

    def lines(self) -> list[str]:
        rate = self.encoded / self.encode_seconds if self.encode_seconds else 0.0
        skipped = f"{self.bad_lines} bad lines" if self.trakt is None else f"{self.trakt.malformed} malformed items"
        out = [
            f"source: {self.source}",
            f"read: {self.read} titles, {skipped} skipped",
            f"store: {self.upserts.inserted} new, {self.upserts.updated} updated, {self.upserts.unchanged} unchanged"
            + (f", {self.removed} removed" if self.removed else ""),
            f"encode: {self.encoded} encoded ({rate:.0f} titles/s), {self.reused} reused from cache"
            + (f"; {self.free_text_encoded} for free text" if self.free_text_encoded else ""),
            f"publish: {self.published} titles, build {self.build_id}"
            + (" (already current, nothing to publish)" if self.up_to_date else f" in {self.publish_seconds:.1f} s")
            + (f"; {self.unreachable} titles unreachable by vector search" if self.unreachable else ""),
            f"total: {self.total_seconds:.1f} s",
        ]
        if self.trakt is not None:
            trakt_lines = self.trakt.lines()
            out[1:1] = [f"trakt: {trakt_lines[0]}", *trakt_lines[1:]]
        return out


class BuildRefused(PublishError):
    """Not published: nothing valid to publish, or a surprise shrink (a file build is refused before it writes
    to the store); `summary` says what it read, so its bad lines are reported all the same."""

    def __init__(self, message: str, summary: BuildSummary) -> None:
        super().__init__(message)
        self.summary = summary


def valid_titles(
    path: Path, limit: int | None, summary: BuildSummary, progress: bool = False, desc: str = "read"
) -> Iterator[Title]:
    """The file's valid titles in file order (first occurrence of an id wins), as they are read; bad lines go to
    `summary`, and `summary.read` counts the titles once the file is read. Holds the ids only: a build streams
    its catalog into the store in batches (a list of 1.3M Titles was 5 GB, issue 24)."""
    seen: set[str] = set()
    with tqdm(desc=desc, unit="title", disable=not progress, dynamic_ncols=True) as bar:
        for line_no, item in read_catalog(path):
            if isinstance(item, RecordError):
                summary.skip(path, line_no, str(item))
                continue
            if item.id in seen:
                summary.skip(path, line_no, f"duplicate id {item.id!r}")
                continue
            seen.add(item.id)
            bar.update()
            yield item
            if limit is not None and len(seen) >= limit:
                break
    summary.read = len(seen)


def count_file(path: Path, limit: int | None, summary: BuildSummary, progress: bool = False) -> list[str]:
    """The ids `valid_titles` gives, read and checked without storing anything (bad lines go to `summary`)."""
    # Writes nothing, so a stop (SIGTERM, Ctrl-C) may land anywhere in it: at once, not after the whole file.
    with interruptible():
        return [title.id for title in valid_titles(path, limit, summary, progress)]


async def import_file(
    store: Store, path: Path, limit: int | None, summary: BuildSummary, progress: bool = False
) -> list[str]:
    """Read the file and upsert its valid titles in batches as they are read; returns the ids read, in file order.
    A stop (Ctrl-C, SIGTERM) lands at once while a batch is read and keeps the batch being stored: a rerun
    resumes, since an unchanged title is not written again."""
    ids: list[str] = []
    titles = valid_titles(path, limit, summary, progress, desc="import")  # read and stored as one bar
    while True:
        with interruptible():
            batch = list(itertools.islice(titles, IMPORT_BATCH))
        if not batch:
            return ids
        summary.upserts += await finish(store.upsert_titles(batch))
        ids.extend(title.id for title in batch)


async def encode_missing(
    store: Store,
    titles: Titles,
    config: Config,
    summary: BuildSummary,
    encoder_factory,
    progress: bool = False,
    model_settings: ModelSettings | None = None,
):
    """Encode the titles whose text the store has no vector of under `model_settings` (default: [model]); each
    model's vectors are cached apart, so the story and free-text spaces resume and reuse alike. `titles` is read
    once (a list, or the store's `StoredTitles`)."""
    settings = model_settings or config.model
    model = settings.name
    cached = await store.cached_hashes(model)
    todo: list[tuple[str, str, str]] = []
    # The texts of the whole catalog (seconds) and the model's load write nothing: a stop lands in them at once.
    with interruptible():
        for t in titles:
            text = document_text(t, settings.text_recipe)
            h = text_hash(text)
            if cached.get(t.id) != h:
                todo.append((t.id, h, text))
    summary.reused = len(titles) - len(todo)
    if not todo:
        return None
    # Longest texts first over the whole catalog, not only within a chunk: a chunk is a few batches, and a batch
    # of catalog-order texts pads to its longest (one Wikipedia plot among JustWatch blurbs). The transformer
    # pays for every padded token; the order changes no vector, and a resumed run picks up what is left.
    todo.sort(key=lambda item: -len(item[2]))
    with interruptible():
        encoder = encoder_factory()
    started = time.perf_counter()
    with tqdm(total=len(todo), desc="encode", unit="title", disable=not progress, dynamic_ncols=True) as bar:
        batch = max(1, encoder.batch_size)
        batches, start = ENCODE_MIN_BATCHES_PER_CHUNK, 0
        while start < len(todo):
            chunk = todo[start : start + batch * batches]
            began = time.perf_counter()
            vectors = encoder.encode([text for _, _, text in chunk])
            per_batch = max((time.perf_counter() - began) / -(-len(chunk) // batch), 1e-6)
            rows = [(tid, h, v) for (tid, h, _), v in zip(chunk, vectors, strict=True)]
            await finish(store.put_embeddings(model, rows))  # a stop (Ctrl-C, SIGTERM) keeps this chunk
            bar.update(len(chunk))
            start += len(chunk)
            batches = max(
                ENCODE_MIN_BATCHES_PER_CHUNK, min(ENCODE_BATCHES_PER_CHUNK, int(ENCODE_CHUNK_TARGET_S / per_batch))
            )
    summary.encoded = len(todo)
    summary.encode_seconds = time.perf_counter() - started
    return encoder


def default_encoder_factory(config: Config, settings: ModelSettings | None = None) -> Callable:
    def factory():
        from morelike.encoders import load_encoder  # torch is imported only when something needs encoding

        return load_encoder(settings or config.model, config.state_dir / "models")

    return factory


def free_text_settings(config: Config) -> ModelSettings | None:
    """`[model] free_text` as the settings its encoder loads with (None when free text uses the story space)."""
    name = config.model.free_text
    if not name or name == config.model.name:
        return None
    return dataclasses.replace(config.model, name=name, batch_size=0)


async def _free_text_vectors(
    store: Store, config: Config, titles: StoredTitles, summary: BuildSummary, progress: bool
) -> tuple[str, np.ndarray] | None:
    """The catalog's texts in /discover's space (encoded now where the store has no vector yet)."""
    settings = free_text_settings(config)
    if settings is None:
        return None
    own = BuildSummary(summary.source)  # the story encode's counts stay the summary's
    encoder = await encode_missing(
        store, titles, config, own, default_encoder_factory(config, settings), progress, settings
    )
    summary.free_text_encoded = own.encoded
    return settings.name, await _unit_vectors(store, settings.name, titles.ids, encoder, _dtype(config))


def _dtype(config: Config) -> type[np.floating]:
    """What the build stores vectors as: made so as they are loaded (f32 vectors of 1.3M titles are 1.3 GB a
    space, their f16 copies half that)."""
    return np.float32 if config.index.dtype == "f32" else np.float16


async def _unit_vectors(
    store: Store, model: str, ids: Sequence[str], encoder, dtype: type[np.floating] = np.float32
) -> np.ndarray:
    """`model`'s cached vectors of `ids` (sorted), in that order, L2-normalised (a zero row stays zero) and stored
    as `dtype`; `encoder` is the one this run loaded, if any (its dimensions, else the cache's)."""
    dims = encoder.dimensions if encoder is not None else await store.embedding_dimensions(model)
    out = np.empty((len(ids), dims), dtype=dtype)
    async for start, chunk in store.embedding_chunks(model, ids, dims):
        norms = np.linalg.norm(chunk, axis=1, keepdims=True)
        out[start : start + len(chunk)] = chunk / np.where(norms == 0, 1, norms)
    return out


async def build(
    config: Config,
    source: str = "bundled",
    limit: int | None = None,
    *,
    progress: bool = True,
    trakt_client_id: str | None = None,
    recrawl: bool = False,
    allow_shrink: bool = False,
) -> BuildSummary:
    """Import `source` (bundled | trakt | a file path), encode what changed and publish a new build.

    `recrawl` starts a finished Trakt crawl over; `allow_shrink` publishes even when the build has fewer titles
    than the current one from another source or under `limit` (otherwise PublishError says so)."""
    started = time.perf_counter()
    summary = BuildSummary(source=source)
    with StateLock(config.state_dir):
        if source != "trakt":
            path = config.path(config.paths.catalog) if source == "bundled" else Path(source)
            source_id = "bundled" if source == "bundled" else str(path.resolve())
            # Every refusal comes before the store is written: a refused file build changes nothing there. Where
            # one is possible (another source than the published build's, or a --limit), the file is counted first.
            counted = _may_refuse(config, source_id, limit, allow_shrink)
            if counted:
                ids = count_file(path, limit, summary, progress)
                _refuse_empty(path, ids, summary)
                _refuse_surprise_shrink(config, source_id, len(ids), limit, allow_shrink, summary)
        store = await Store.open(config.store_path)
        try:
            if source == "trakt":
                from indexer.trakt import crawl

                summary.add_trakt(
                    await crawl(
                        store, config.trakt, trakt_client_id or "", limit=limit, progress=progress, fresh=recrawl
                    )
                )
                ids = await _ids_by_popularity(store, limit)
                source_id, empty = (
                    "trakt",
                    ("Trakt sent no titles (its popular movie and show lists were empty); check [trakt] base_url"),
                )
                _refuse_surprise_shrink(config, source_id, len(ids), limit, allow_shrink, summary)
            else:
                # Counted already: the second read's bad lines would be counted twice.
                read = BuildSummary(source) if counted else summary
                ids = await import_file(store, path, limit, read, progress)
                summary.read, summary.upserts = len(ids), read.upserts
                _refuse_empty(path, ids, summary)  # nothing was written: no valid title
                empty = f"{path} has no valid titles"
                if limit is None:
                    # Trakt rows are the crawl's state (sync updates them): a file catalog never deletes them.
                    summary.removed = await store.remove_except(set(ids), protect_prefix=TRAKT_PREFIX)
            await _encode_and_publish(store, config, ids, summary, source_id, progress, empty)
        finally:
            await store.close()
    summary.total_seconds = time.perf_counter() - started
    return summary


async def sync(
    config: Config, *, progress: bool = True, trakt_client_id: str | None = None, allow_shrink: bool = False
) -> BuildSummary:
    """Trakt incremental sync, then encode and publish what changed."""
    from indexer.trakt import sync as trakt_sync

    started = time.perf_counter()
    summary = BuildSummary(source="trakt (sync)")
    with StateLock(config.state_dir):
        store = await Store.open(config.store_path)
        try:
            summary.add_trakt(await trakt_sync(store, config.trakt, trakt_client_id or "", progress=progress))
            ids = await _ids_by_popularity(store, None)
            _refuse_surprise_shrink(config, "trakt", len(ids), None, allow_shrink, summary)
            await _encode_and_publish(store, config, ids, summary, "trakt", progress, "the store holds no Trakt titles")
        finally:
            await store.close()
    summary.total_seconds = time.perf_counter() - started
    return summary


def _refuse_empty(path: Path, ids: list[str], summary: BuildSummary) -> None:
    if not ids:
        raise BuildRefused(
            f"Nothing to publish: {path} has no valid titles ({summary.bad_lines} bad lines); the published index "
            "is unchanged.",
            summary,
        )


def _may_refuse(config: Config, source: str, limit: int | None, allow_shrink: bool) -> bool:
    """Whether `_refuse_surprise_shrink` might refuse a build of `source` before its count is known: whether it
    would refuse one of no titles (every rule refuses a smaller count, or none)."""
    return _shrink_refusal(config, source, 0, limit, allow_shrink) is not None


def _shrink_refusal(config: Config, source: str, count: int, limit: int | None, allow_shrink: bool) -> str | None:
    """Why a build of `count` titles from `source` would shrink the published index by surprise (None: it would not).

    A file catalog is authoritative (titles it dropped leave the index), so the same source without a limit may
    shrink; another source, or a `--limit`, shrinking the index is almost always a mistake worth a sentence."""
    current = published_manifest(config.published_dir)
    before = current.get("count") if current else None
    if allow_shrink or current is None or not isinstance(before, int) or count >= before:
        return None
    old_source = current.get("source")
    if old_source != source:
        return f"the published index holds {before} titles from {old_source}, this build has {count} from {source}"
    if limit is not None:
        return f"--limit {limit} would publish {count} of the {before} titles the published index holds"
    return None


def _refuse_surprise_shrink(
    config: Config, source: str, count: int, limit: int | None, allow_shrink: bool, summary: BuildSummary
) -> None:
    """BuildRefused when this build would replace the published index with fewer titles, unasked."""
    why = _shrink_refusal(config, source, count, limit, allow_shrink)
    if why is None:
        return
    raise BuildRefused(
        f"Not published, so the index does not shrink by surprise: {why}; pass --allow-shrink to publish it anyway "
        "(or keep each source in its own [paths] state_dir).",
        summary,
    )


async def _ids_by_popularity(store: Store, limit: int | None) -> list[str]:
    # Only the crawl's own rows: a state dir that once held a file catalog must not leak it into a Trakt build.
    ids = [t.id async for t in store.iter_titles(order="popularity") if t.id.startswith(TRAKT_PREFIX)]
    return ids[:limit] if limit is not None else ids


async def _encode_and_publish(
    store: Store, config: Config, ids: list[str], summary: BuildSummary, source: str, progress: bool, empty: str
) -> None:
    titles = StoredTitles(store.path, ids)  # id order: deterministic keys
    if not len(titles):
        raise PublishError(f"Nothing to publish: {empty}; the published index is unchanged.")
    encoder = await encode_missing(store, titles, config, summary, default_encoder_factory(config), progress)
    # Which encoder made the vectors (stats and the manifest say it): this run's, or the one that made the cache.
    encoder_key = f"encoder:{config.model.name}"
    if encoder is not None:
        used: dict | None = {"backend": encoder.backend, "device": encoder.device, "precision": encoder.precision,
                "batch_size": encoder.batch_size}  # fmt: skip
        await store.set_state(encoder_key, json.dumps(used))
    else:
        saved = await store.get_state(encoder_key)
        used = json.loads(saved) if saved else None
    vectors = await _unit_vectors(store, config.model.name, titles.ids, encoder, _dtype(config))
    free_text = await _free_text_vectors(store, config, titles, summary, progress)
    trim_heap()  # the encode's texts (a gigabyte at 1.3M titles) are garbage now: the publish needs the memory
    # Publishing is synchronous (a minute for the bundled catalog on two cores) and safe to stop anywhere: it writes
    # a hidden temporary build that it removes on the way out, and readers see only the final atomic swap. So a stop
    # lands in it at once (within the batch under way), not after it: the next run publishes again.
    with interruptible():
        result = publish(
            config.published_dir,
            titles,
            vectors,
            model=config.model.name,
            text_recipe=config.model.text_recipe,
            source=source,
            settings=config.index,
            progress=progress,
            encoder=used,
            free_text=free_text,
        )
    summary.published = result.count
    summary.build_id = result.build_id
    summary.up_to_date = result.skipped
    summary.publish_seconds = result.seconds
    summary.unreachable = result.unreachable
