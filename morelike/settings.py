"""Settings: `bot.toml` over registered defaults, every value validated when loaded.

Every setting has a default here and is documented in bot.toml; a missing file means all defaults. `load_config`
checks each value with pydantic against the type and range declared next to it: an unknown key, a wrong type or
a value out of range is refused with one sentence naming the key, the value and what is allowed (the CLIs exit
2), so a typo in bot.toml never silently falls back to a default nor crashes later.
Secrets never live here: they come from the environment (see `discord_token`, `trakt_client_id`).
Every section's dataclass is declared here; docs/ARCHITECTURE.md says which modules read each.

Adding a setting: one line in its section, `name: <Type> = default`, with a type from the aliases below (the
range is part of the type: `Annotated[Int, within(1, 10)]`, `Annotated[Float, within(0, None)]`,
`Annotated[Float, above(0, 60)]`, `Literal["a", "b"]`), plus its line in bot.toml. A rule between two settings of
a section (`[discord] shard_ids` within `shard_count`) is the section's `conflict()`, checked after the types.
Code that builds a section itself (tests, bench) is not validated: validation guards what operators write.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import annotated_types
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    with_config,
)
from pydantic.fields import FieldInfo

from morelike.catalog.documents import Recipe

CONFIG_ENV = "MORELIKE_CONFIG"
DEFAULT_CONFIG = "bot.toml"
# A Discord result page is one message, which holds at most 10 embeds: one per title, one kept for "Same series".
# Checked here, when bot.toml is read, and nowhere else: the Discord face derives its layout from it.
DISCORD_MAX_PAGE_SIZE = 9
TRAKT_MAX_PAGE_LIMIT = 250  # trakt/trakt-api pageQuerySchema: "capped at the endpoint maximum (often 250)"


class ConfigError(ValueError):
    """bot.toml cannot be used; the message says where and why."""


# --------------------------------------------------------------------------------------------------------------
# Setting types: the type and the range in one annotation, and a phrase saying what is allowed.


Int = Annotated[int, Strict()]  # a whole number, never a bool
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]  # a finite number (an int is fine)


def within(lo: float | None, hi: float | None) -> FieldInfo:
    """`Annotated[Int, within(lo, hi)]`: a number within [lo, hi]; None leaves that side open."""
    return Field(ge=lo, le=hi)


def above(lo: float, hi: float | None) -> FieldInfo:
    """`Annotated[Float, above(lo, hi)]`: a number within (lo, hi], e.g. a duration that must not be 0."""
    return Field(gt=lo, le=hi)


Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(min_length=1, description="a non-empty string")]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    return value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _host(value: str) -> str:
    if any(ch.isspace() or ch in "/?#@" for ch in value):
        raise ValueError("not a host name or address")
    return value


HttpUrl = Annotated[
    str,
    Strict(),
    AfterValidator(_http_url),
    Field(description='an http:// or https:// URL with a host, such as "https://api.trakt.tv"'),
]
Host = Annotated[
    str,
    Strict(),
    Field(min_length=1, description='a host name or IP address, such as "127.0.0.1" or "0.0.0.0"'),
    AfterValidator(_host),
]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)]


def shard_id_list(text: str) -> list[int]:
    """The shard ids `[discord] shard_ids` names: "0-3" (a range, both ends included), "0,2,5", or both
    ("0-3,8"); [] for "". ValueError for anything else: a range that runs backwards, an id named twice, a word."""
    ids: list[int] = []
    for part in text.split(",") if text.strip() else []:
        match = re.fullmatch(r"\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?", part)
        if match is None:
            raise ValueError(f"{part.strip()!r} is not a shard id or a range of them")
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high < low:
            raise ValueError(f"the range {low}-{high} runs backwards")
        ids.extend(range(low, high + 1))
    if len(set(ids)) != len(ids):
        raise ValueError("a shard is named twice")
    return ids


def shard_ranges(ids: list[int]) -> str:
    """Shard ids written back as `shard_ids` takes them, runs as ranges: [0, 1, 2, 5] -> "0-2,5"."""
    runs: list[list[int]] = []
    for shard in sorted(ids):
        if runs and shard == runs[-1][1] + 1:
            runs[-1][1] = shard
        else:
            runs.append([shard, shard])
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in runs)


def _shard_ids(value: str) -> str:
    shard_id_list(value)
    return value


ShardIds = Annotated[
    str,
    Strict(),
    AfterValidator(_shard_ids),
    Field(
        description='shard ids as a range or a list, such as "0-3" or "0,2,5" (each id once, a range from low to '
        'high; "" for all of shard_count)'
    ),
]


_T = typing.TypeVar("_T")


@typing.dataclass_transform()
def _section(cls: type[_T]) -> type[_T]:
    """A settings section: a plain dataclass (attribute access, cheap to build) that pydantic validates on load."""
    return dataclass(with_config(ConfigDict(extra="forbid"))(cls))


# --------------------------------------------------------------------------------------------------------------
# Sections


@_section
class PathsSettings:
    state_dir: Text = "var"  # working store, embedding cache, crawl checkpoints, published builds
    catalog: Text = "data/catalog.jsonl.gz"  # the bundled default catalog


@_section
class ModelSettings:
    name: Text = "static:morelike-story"  # "static:<shipped>" or "static:<teacher>" (distilled), a package, a path
    # onnx is accepted here and refused by morelike/encoders/ with the reason (its exporter downgrades transformers)
    backend: Literal["auto", "torch", "onnx", "openvino"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "f32", "bf16", "f16"] = "auto"  # auto: fp16 on CUDA, bf16 on CPUs that have it
    batch_size: Annotated[Int, within(0, 4096)] = 0  # 0: per device and backend (morelike.encoders.base.AUTO_BATCH)
    text_recipe: Recipe = "story"  # story | flixrec (morelike/catalog/documents.py)
    # /discover's free text: a second index beside the story one, in a space that 16 languages share
    # (morelike/encoders/crosslingual.py); "" searches the story index instead ([model] name: English only).
    free_text: Annotated[str, Strict()] = "crosslingual:morelike-multilingual"


@_section
class IndexSettings:
    dtype: Literal["f16", "f32", "i8"] = "f16"  # usearch scalar kind; vectors.npy is f16 unless f32
    connectivity: Annotated[Int, within(2, 256)] = 16
    expansion_add: Annotated[Int, within(1, 10_000)] = 128
    # HNSW search breadth: at least this many candidates per query (more when a page needs more). Recorded in
    # the build; real embeddings need ~300 for recall@20 >= 0.99 (bench/README.md).
    expansion_search: Annotated[Int, within(1, 10_000)] = 300
    keep_builds: Annotated[Int, within(1, 100)] = 2  # published builds kept on disk, the current one included
    # Each title's nearest stories, found once at publish and stored with the build: /similar's content pool
    # then costs a lookup instead of an HNSW walk per query. 0 turns it off; catalogs over 2,000,000 titles skip it
    # (morelike.build.writer.NEIGHBOURS_MAX_TITLES: at 1.3M titles the file is 333 MB, mapped).
    neighbours: Annotated[Int, within(0, 256)] = 64


@_section
class TraktSettings:
    base_url: HttpUrl = "https://api.trakt.tv"
    # Items per page (Trakt clamps larger values to its maximum)
    page_limit: Annotated[Int, within(1, TRAKT_MAX_PAGE_LIMIT)] = 100
    # Hard cap per run; the crawl checkpoints and stops cleanly when reached
    max_requests: Annotated[Int, within(1, 10_000_000)] = 5000
    timeout_s: Annotated[Float, above(0, 600)] = 30.0
    max_retries: Annotated[Int, within(0, 20)] = 5
    backoff_s: Annotated[Float, above(0, 60)] = 1.0
    # Cast and directors for the N most popular movies and N most popular shows
    people_top_n: Annotated[Int, within(0, 1_000_000)] = 500
    # Other names (aliases and translated titles) for the N most popular movies and N most popular shows, which
    # lookups find them by: two requests a title, so 1000 requests (5 minutes at Trakt's rate limit) by default.
    aliases_top_n: Annotated[Int, within(0, 1_000_000)] = 250


@_section
class EngineSettings:
    franchise: Bool = True  # series siblings get their own list; the main list keeps one title per series
    boost: Bool = False  # cast/director boost
    # Added to a cosine (at most 1): 1 already outweighs any content match
    boost_weight: Annotated[Float, within(0, 1)] = 0.15
    # How often the bot looks for a newly published index; 0: never
    reload_interval_s: Annotated[Float, within(0, 3600)] = 10.0


@_section
class ApiSettings:
    host: Host = "127.0.0.1"
    port: Annotated[Int, within(0, 65535)] = 8080  # 0: any free port (the API prints the one it got)


@_section
class DiscordSettings:
    guild_id: Annotated[Int, within(0, 2**64 - 1)] = 0  # 0: sync commands globally; else to this guild only (instant)
    # 0: one shard (commands.Bot); >0: AutoShardedBot with this many shards in all, across every process
    shard_count: Annotated[Int, within(0, 10_000)] = 0
    # The shards this process runs, "0-3" or "0,2,5" ("": all of shard_count); the one with shard 0 syncs commands
    shard_ids: ShardIds = ""
    page_size: Annotated[Int, within(1, DISCORD_MAX_PAGE_SIZE)] = 5  # titles a result page shows
    cooldown_rate: Annotated[Int, within(0, 1000)] = 5  # /similar and /discover uses per user ... (0: no cooldown)
    cooldown_per_s: Annotated[Float, above(0, 86_400)] = 30.0  # ... per this many seconds

    def shards(self) -> list[int] | None:
        """The shard ids this process runs; None: every one of `shard_count` (or no sharding at all)."""
        return shard_id_list(self.shard_ids) or None

    def conflict(self) -> tuple[str, str] | None:
        """A rule between settings that no one setting's type can say: (the key at fault, what it must be)."""
        ids = shard_id_list(self.shard_ids)
        if ids and self.shard_count == 0:
            return "shard_ids", "it needs [discord] shard_count (now 0), the number of shards of all processes together"
        if ids and max(ids) >= self.shard_count:
            return "shard_ids", (
                f"shard {max(ids)} is not below shard_count = {self.shard_count} (shards are numbered from 0 to "
                f"{self.shard_count - 1})"
            )
        return None


@_section
class LogSettings:
    level: LogLevel = "WARNING"


SECTIONS: dict[str, type] = {
    "paths": PathsSettings,
    "model": ModelSettings,
    "index": IndexSettings,
    "trakt": TraktSettings,
    "engine": EngineSettings,
    "api": ApiSettings,
    "discord": DiscordSettings,
    "log": LogSettings,
}


@dataclass
class Config:
    paths: PathsSettings = field(default_factory=PathsSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    trakt: TraktSettings = field(default_factory=TraktSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    log: LogSettings = field(default_factory=LogSettings)
    base_dir: Path = field(default_factory=Path.cwd)  # relative paths resolve against the config file's folder

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def state_dir(self) -> Path:
        return self.path(self.paths.state_dir)

    @property
    def store_path(self) -> Path:
        return self.state_dir / "morelike.sqlite"

    @property
    def published_dir(self) -> Path:
        return self.state_dir / "published"


# --------------------------------------------------------------------------------------------------------------
# Validation and its sentences


def _toml(value: Any) -> str:
    """A value as it is written in bot.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 100_000 else str(value)
    return f"{value:g}"


_HINTS: dict[type, dict[str, Any]] = {}


def _resolved(section: type) -> dict[str, Any]:
    if section not in _HINTS:
        _HINTS[section] = typing.get_type_hints(section, include_extras=True)
    return _HINTS[section]


def _describe(hint: Any) -> str:
    """What a setting of this annotation accepts, in words."""
    base, metadata = hint, []
    if typing.get_origin(hint) is Annotated:
        base, *metadata = typing.get_args(hint)
    for item in metadata:
        if getattr(item, "description", None):
            return item.description
    if typing.get_origin(base) is Literal:
        return "one of " + ", ".join(_toml(v) for v in typing.get_args(base))
    if base is bool:
        return "true or false"
    lo: Any = None  # a bound as declared: an int stays an int ("from 1 to 9")
    hi: Any = None
    lo_open = False
    for item in metadata:
        for constraint in getattr(item, "metadata", [item]):
            if isinstance(constraint, annotated_types.Ge):
                lo = constraint.ge
            elif isinstance(constraint, annotated_types.Gt):
                lo, lo_open = constraint.gt, True
            elif isinstance(constraint, annotated_types.Le):
                hi = constraint.le
    noun = "a whole number" if base is int else "a number"
    if lo is not None and hi is not None:
        if lo_open:
            return f"{noun} greater than {_number(lo)} and at most {_number(hi)}"
        return f"{noun} from {_number(lo)} to {_number(hi)}"
    if lo is not None:
        return f"{noun} greater than {_number(lo)}" if lo_open else f"{noun} of at least {_number(lo)}"
    if hi is not None:
        return f"{noun} of at most {_number(hi)}"
    return noun if base in (int, float) else "a string"


_ADAPTERS: dict[type, TypeAdapter] = {}


def _adapter(section: type) -> TypeAdapter:
    if section not in _ADAPTERS:
        _ADAPTERS[section] = TypeAdapter(section)
    return _ADAPTERS[section]


def validate_section(name: str, values: dict, where: str = "bot.toml") -> Any:
    """The `[name]` section built from `values` over its defaults; ConfigError (one sentence) when a value is bad."""
    section = SECTIONS[name]
    known = [f.name for f in fields(section)]
    for key in values:
        if key not in known:
            raise ConfigError(f"{where}: [{name}] has no setting '{key}' (known: {', '.join(known)})")
    try:
        settings = _adapter(section).validate_python(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        value = values.get(key, error.get("input"))
        raise ConfigError(
            f"{where}: [{name}] {key} = {_toml(value)} is not allowed: it must be {_describe(_resolved(section)[key])}"
        ) from None
    conflict = getattr(settings, "conflict", None)
    problem = conflict() if conflict is not None else None
    if problem is not None:
        key, reason = problem
        raise ConfigError(f"{where}: [{name}] {key} = {_toml(getattr(settings, key))} is not allowed: {reason}")
    return settings


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read bot.toml (or $MORELIKE_CONFIG, or the given path) over the defaults, validating every value."""
    explicit = path is not None or CONFIG_ENV in os.environ
    cfg_path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    config = Config(base_dir=cfg_path.resolve().parent)
    if not cfg_path.exists():
        if explicit:
            raise ConfigError(f"config file {cfg_path} does not exist")
        config.base_dir = Path.cwd()
        return config
    try:
        data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {cfg_path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {cfg_path} is not valid TOML: {exc}") from None
    for name, values in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"config file {cfg_path} has an unknown section [{name}] (known: {', '.join(SECTIONS)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{cfg_path}: [{name}] must be a table")
        setattr(config, name, validate_section(name, values, str(cfg_path)))
    return config


def discord_token() -> str | None:
    return os.environ.get("DISCORD_TOKEN") or None


def trakt_client_id() -> str | None:
    return os.environ.get("TRAKT_CLIENT_ID") or None


def trakt_client_secret() -> str | None:
    """The Trakt app's secret: members' OAuth (/link trakt) needs it, the catalog crawl does not."""
    return os.environ.get("TRAKT_CLIENT_SECRET") or None
