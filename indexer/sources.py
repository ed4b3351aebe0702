"""Catalog files: the bundled default and an operator's own JSONL or CSV in the catalog format.

Readers yield `(line_number, Title | RecordError)` so the importer can report a bad line with its number and
keep going: one broken row never costs the rest of the catalog.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

from morelike.catalog.records import RecordError, Title, parse_record


class SourceError(RuntimeError):
    """The catalog file cannot be read at all; the message says which file and why."""


def _open_text(path: Path) -> io.TextIOBase:
    try:
        if path.suffix == ".gz":
            handle = gzip.open(path, "rt", encoding="utf-8", newline="")
            return handle
        return open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise SourceError(f"cannot read catalog file {path}: {exc.strerror or exc}") from None


def _format_of(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise SourceError(f"catalog file {path} must be .jsonl, .ndjson, .csv or .tsv (optionally .gz)")


def read_catalog(path: str | Path) -> Iterator[tuple[int, Title | RecordError]]:
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"catalog file {path} does not exist or is not a file")
    fmt = _format_of(path)
    try:
        with _open_text(path) as handle:
            if fmt == "jsonl":
                yield from _read_jsonl(handle)
            else:
                yield from _read_csv(handle, delimiter="\t" if ".tsv" in path.name.lower() else ",")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise SourceError(f"cannot read catalog file {path}: {exc}") from None


def _read_jsonl(handle) -> Iterator[tuple[int, Title | RecordError]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RecordError(f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            yield number, parse_record(obj)
        except RecordError as exc:
            yield number, exc


def _read_csv(handle, delimiter: str) -> Iterator[tuple[int, Title | RecordError]]:
    reader = csv.DictReader(handle, delimiter=delimiter)
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise SourceError("the CSV header must name the catalog fields (at least id, kind, title)")
    for row in reader:
        number = reader.line_num
        if None in row:  # more cells than header columns
            yield number, RecordError("the row has more cells than the header has columns")
            continue
        obj = {k: (v if v != "" else None) for k, v in row.items()}
        for list_field in ("genres", "cast", "directors", "keywords", "sources"):
            value = obj.get(list_field)
            if isinstance(value, str) and value.startswith("["):
                try:
                    obj[list_field] = json.loads(value)
                except json.JSONDecodeError:
                    yield number, RecordError(f"'{list_field}' is not a valid JSON list")
                    break
        else:
            try:
                yield number, parse_record(obj)
            except RecordError as exc:
                yield number, exc
