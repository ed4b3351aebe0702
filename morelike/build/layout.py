"""What a published build is on disk: the directory layout and file names both sides agree on.

    <published>/current -> builds/<build_id>/   (a symlink, swapped atomically by the writer)
    <published>/builds/<build_id>/{catalog.sqlite, index.usearch, vectors.npy, neighbours.npy, near.npy,
                                   precomputed/*.npy, columns/*, manifest.json}

The writer (`morelike.build.writer`) makes builds and the reader (`morelike.build.reader`) opens them; both take the
names from here, so neither imports the other.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMAT_VERSION = 7  # 2: titles.story_chars; 3: neighbours.npy (each title's nearest stories, int32, -1 padded), and
# norm_title no longer drops "die" as an article; 4: titles.story_names (the synopsis's proper names, for franchises)
# and near.npy; 5: titles.aliases (other names, JSON), and norm_title keeps kana voicing and composed hangul;
# 6: titles.anime (morelike.catalog.watch.is_anime, 0/1); 7: precomputed/ (the franchise graph, works and fame,
# morelike.build.precomputed), which the snapshot computed at every load before
CURRENT = "current"
BUILDS = "builds"
DB_FILE, INDEX_FILE, VECTORS_FILE, MANIFEST_FILE = "catalog.sqlite", "index.usearch", "vectors.npy", "manifest.json"
NEIGHBOURS_FILE = "neighbours.npy"
# The free-text space (optional; `[model] free_text`): the catalog's texts under /discover's model, and their index.
TEXT_VECTORS_FILE, TEXT_INDEX_FILE = "text_vectors.npy", "text.usearch"
NEAR_FILE = "near.npy"  # format 4: per title, the cosine its nearest 0.5 % of the catalog sample reaches (f32)
PRECOMPUTED_DIR = "precomputed"  # format 7: what the build computes once for the snapshot (morelike.build.precomputed)
# The catalog's numbers and id lists as arrays (morelike.build.columns). Optional, in any format from 7: a build
# without it is read from its catalog at load, so builds published before it stay current.
COLUMNS_DIR = "columns"
# The title resolver's index (morelike.build.names). Optional the same way: without it the snapshot makes it.
RESOLVER_DIR = "resolver"
DTYPES = ("f16", "f32", "i8")


def current_build(published_dir: Path) -> Path | None:
    link = published_dir / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def published_manifest(published_dir: Path) -> dict | None:
    """The manifest of the build `current` points at, or None when there is none (or it cannot be read)."""
    live = current_build(published_dir)
    if live is None:
        return None
    try:
        manifest = json.loads((live / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None
