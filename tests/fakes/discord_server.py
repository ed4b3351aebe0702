"""A local fake Discord: REST API and websocket gateway on 127.0.0.1 for the real discord.py client.

The real client is pointed at it by patching `discord.http.Route.BASE` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (see `patched_discord`). It speaks just enough of the gateway
(HELLO, heartbeat ACK, IDENTIFY -> READY, INTERACTION_CREATE dispatches) and of the REST API (login, application
info, command sync, interaction callbacks, webhook messages and followups) for an app-commands-only bot, and it
ENFORCES Discord's documented rules instead of accepting anything:

- the first response to an interaction must arrive within 3 s, else 10062 Unknown interaction (the user saw
  "This interaction failed"); one response per interaction, else 40060 Interaction has already been acknowledged;
- message limits: content 2000, 10 embeds, embed title 256 / description 4096 / 25 fields / field name 256 /
  value 1024 / footer 2048 / author 256 / 6000 in total per message; 5 action rows, 5 buttons per row, a select
  alone in its row, custom_id <= 100 and unique, label <= 80, select options 1..25 with label/value/description
  <= 100, placeholder <= 150;
- autocomplete: at most 25 choices, name and value 1..100 characters;
- commands: names and descriptions within limits, required options first, at most 25 options/choices;
  localisations (`name_localizations`, `description_localizations`, on commands, options and choices) keyed by
  Discord's locales only, each value within the same limits and name rules as the default, and names unique per
  locale (developer docs: "Application Commands" > Localization, "Reference" > Locales);
- a test can only click enabled components that exist in the message state the fake handed out;
- an interaction with no answer within 3 s is a broken rule too (the user saw "This interaction failed"), whatever
  the cause: a handler blocking the event loop, a click on a custom_id no handler matches, a crash;
- messages sent as interaction responses carry `interaction_metadata` (who ran the command or clicked), as
  Discord's do, so a bot can tell the invoking user from others.

Interactions carry the user's `locale` (en-US unless a test passes another: `command(..., locale="fr")`).

Sharding (developer docs, Gateway: "Sharding", "Identifying", "Rate Limiting"): an IDENTIFY's `shard` must be
`[shard_id, num_shards]` with 0 <= shard_id < num_shards, else the connection is closed with 4010 Invalid shard; a
session without one is shard 0 of 1. READY carries the session's `shard`. An interaction from a guild is delivered
on the session whose shard serves that guild (`shard_id = (guild_id >> 22) % num_shards`), one without a guild (a
DM) on shard 0, and none is delivered when no session serves it. With `max_concurrency` set (what Get Gateway Bot
answers), an IDENTIFY sooner than 5 s after the last one of its bucket (`shard_id % max_concurrency`) is answered
with Invalid Session (opcode 9); unset (the default), the rate is not enforced, so tests may start bots back to
back. `identifies` records every IDENTIFY (its token and shard), each interaction the session that carried it.

Discord behaviours a test can trigger: `redeliver` (the same INTERACTION_CREATE again, same id and token, as after
a gateway resume), `at_ready` (interactions dispatched in the same breath as READY: users who clicked while the
bot was starting), `forge` (a component custom_id as an older bot version or a hand-edited message left it), and
`visible_commands` (what a member sees in the command picker: guild and global commands together). And what only
a hand-made request sends, past the checks Discord's client makes: `raw_command` (option values of any JSON type,
required options left out) and `raw_click` (a component interaction of any component type on any custom_id of a
message: a select payload on a button, a button on a select).

A broken rule is answered the way Discord answers it (a 4xx JSON error) AND recorded in `fake.violations`; an
unknown route is answered 404 and recorded in `fake.unknown_routes`. `running_fake()` asserts at exit that both
are empty (tests expecting a violation take it out of the list), so a bot bug can never pass silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import regex
import yarl
from aiohttp import WSMsgType, web

RESPONSE_DEADLINE_S = 3.0  # Discord: "you must send an initial response within 3 seconds"
IDENTIFY_WINDOW_S = 5.0  # Discord: "Number of identify requests allowed per 5 seconds" (max_concurrency)
INVALID_SHARD = 4010  # Gateway close event code: "You sent an invalid shard when identifying."
DISCORD_EPOCH_MS = 1420070400000
APP_ID = 1_100_000_000_000_000_001  # a bot's user id equals its application id
GUILD_ID = 1_100_000_000_000_000_100
CHANNEL_ID = 1_100_000_000_000_000_200
DEFAULT_USER_ID = 1_100_000_000_000_000_300

EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Interaction callback types (Discord "Receiving and Responding").
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 1, 4, 5, 6, 7, 8, 9
COMMAND_TYPES = {MESSAGE, DEFERRED_MESSAGE, MODAL}
COMPONENT_TYPES = {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL}
ALLOWED_RESPONSES = {2: COMMAND_TYPES, 3: COMPONENT_TYPES, 4: {AUTOCOMPLETE_RESULT}}

# Application command option types.
OPT_STRING, OPT_INTEGER, OPT_BOOLEAN, OPT_NUMBER = 3, 4, 5, 10
OPT_SUB_COMMAND = 1
# Chat-input command and option names, and their localisations (developer docs, "Application Command Naming"):
# this pattern with the unicode flag, and lowercase wherever a letter has a lowercase form.
NAME_RE = regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$", regex.UNICODE)
# The locales Discord knows (developer docs, "Reference" > "Locales"): the only valid localisation keys.
DISCORD_LOCALES = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
        "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW",
        "ko",
    }
)  # fmt: skip

log = logging.getLogger("tests.fake_discord")


class DiscordError(Exception):
    """An error Discord would answer with: HTTP status, JSON error code and message."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


def invalid_form(message: str) -> DiscordError:
    return DiscordError(400, 50035, f"Invalid Form Body: {message}")


_snowflake_counter = itertools.count(1)


def snowflake() -> int:
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_snowflake_counter) & 0x3FFFFF)


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly "application/json" (no charset).
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


def error_response(err: DiscordError) -> web.Response:
    return json_response({"code": err.code, "message": err.message}, status=err.status)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int, name: str, bot: bool = False) -> dict:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


BOT_USER = user_payload(APP_ID, "MoreLike", bot=True)


# --------------------------------------------------------------------------------------------------------------
# Discord's limits (developer docs: "Embed Limits", "Message Components", "Application Commands")


def check_embeds(embeds: list[dict]) -> None:
    if len(embeds) > 10:
        raise invalid_form(f"embeds: at most 10 embeds per message, got {len(embeds)}")
    total = 0
    for n, e in enumerate(embeds):
        where = f"embeds.{n}"
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = e.get(key) or ""
            if len(value) > limit:
                raise invalid_form(f"{where}.{key}: must be {limit} or fewer in length (got {len(value)})")
            total += len(value)
        fields_ = e.get("fields") or []
        if len(fields_) > 25:
            raise invalid_form(f"{where}.fields: at most 25 fields, got {len(fields_)}")
        for i, f in enumerate(fields_):
            name, value = f.get("name") or "", f.get("value") or ""
            if not name or not value:
                raise invalid_form(f"{where}.fields.{i}: name and value are required")
            if len(name) > 256 or len(value) > 1024:
                raise invalid_form(f"{where}.fields.{i}: name <= 256 and value <= 1024 characters")
            total += len(name) + len(value)
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        if len(footer) > 2048:
            raise invalid_form(f"{where}.footer.text: must be 2048 or fewer in length")
        if len(author) > 256:
            raise invalid_form(f"{where}.author.name: must be 256 or fewer in length")
        total += len(footer) + len(author)
        for key in ("url",):
            if e.get(key) and not str(e[key]).startswith(("http://", "https://")):
                raise invalid_form(f"{where}.{key}: Not a well formed URL")
        for key in ("thumbnail", "image"):
            url = (e.get(key) or {}).get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "attachment://")):
                raise invalid_form(f"{where}.{key}.url: Scheme must be one of ('http', 'https')")
    if total > 6000:
        raise invalid_form(f"embeds: the embeds of a message must total 6000 or fewer characters (got {total})")


def check_components(rows: list[dict]) -> None:
    if len(rows) > 5:
        raise invalid_form(f"components: at most 5 action rows, got {len(rows)}")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if row.get("type") != 1:
            raise invalid_form(f"components.{r}: top-level components must be action rows")
        children = row.get("components") or []
        if not children:
            raise invalid_form(f"components.{r}: an action row needs at least one component")
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if selects and len(children) > 1:
            raise invalid_form(f"components.{r}: a select menu must be alone in its action row")
        if len(children) > 5:
            raise invalid_form(f"components.{r}: at most 5 buttons per action row, got {len(children)}")
        for c, comp in enumerate(children):
            where = f"components.{r}.components.{c}"
            custom_id = comp.get("custom_id")
            if comp.get("type") == 2 and comp.get("style") == 5:
                if custom_id is not None or not comp.get("url"):
                    raise invalid_form(f"{where}: a link button has a url and no custom_id")
            else:
                if not custom_id or len(custom_id) > 100:
                    raise invalid_form(f"{where}.custom_id: must be 1 to 100 characters")
                if custom_id in seen:
                    raise invalid_form(f"{where}.custom_id: component custom id cannot be duplicated")
                seen.add(custom_id)
            if len(comp.get("label") or "") > 80:
                raise invalid_form(f"{where}.label: must be 80 or fewer in length")
            if comp.get("type") == 2 and not comp.get("label") and not comp.get("emoji"):
                raise invalid_form(f"{where}: a button needs a label or an emoji")
            if comp.get("type") == 3:
                options = comp.get("options") or []
                if not 1 <= len(options) <= 25:
                    raise invalid_form(f"{where}.options: must have 1 to 25 options, got {len(options)}")
                values = [o.get("value") for o in options]
                if len(set(values)) != len(values):
                    raise invalid_form(f"{where}.options: option values must be unique")
                for o in options:
                    for key in ("label", "value"):
                        if not o.get(key) or len(o[key]) > 100:
                            raise invalid_form(f"{where}.options.{key}: must be 1 to 100 characters")
                    if len(o.get("description") or "") > 100:
                        raise invalid_form(f"{where}.options.description: must be 100 or fewer in length")
                if len(comp.get("placeholder") or "") > 150:
                    raise invalid_form(f"{where}.placeholder: must be 150 or fewer in length")
                lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
                if not (0 <= lo <= hi <= len(options)):
                    raise invalid_form(f"{where}: min_values/max_values out of range")


def check_message(data: dict) -> None:
    content = data.get("content") or ""
    if len(content) > 2000:
        raise invalid_form(f"content: must be 2000 or fewer in length (got {len(content)})")
    check_embeds(data.get("embeds") or [])
    check_components(data.get("components") or [])


def check_choices(choices: list[dict]) -> None:
    if len(choices) > 25:
        raise invalid_form(f"data.choices: at most 25 choices, got {len(choices)}")
    for i, c in enumerate(choices):
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise invalid_form(f"data.choices.{i}.name: must be 1 to 100 characters")
        if isinstance(value, str) and not 1 <= len(value) <= 100:
            raise invalid_form(f"data.choices.{i}.value: must be 1 to 100 characters")


def valid_name(name: object) -> bool:
    """A chat-input command or option name (or one of its localisations) as Discord takes it."""
    return isinstance(name, str) and bool(NAME_RE.match(name)) and name == name.lower()


# A user or message command's name (Discord: "Application Command Naming"): 1-32 characters, any case, spaces allowed.
def valid_menu_name(name: object) -> bool:
    return isinstance(name, str) and 1 <= len(name) <= 32 and name == name.strip()


def check_localizations(where: str, field_name: str, values: object, valid) -> dict[str, str]:
    """A `*_localizations` dictionary: null, or Discord locales mapped to values `valid` accepts."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise invalid_form(f"{where}.{field_name}: must be an object keyed by locale")
    for locale, value in values.items():
        if locale not in DISCORD_LOCALES:
            raise invalid_form(f"{where}.{field_name}.{locale}: Invalid Locale")
        if not valid(value):
            raise invalid_form(f"{where}.{field_name}.{locale}: {value!r} is invalid")
    return values


def _description(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 100


def _shown_name(item: dict, locale: str) -> object:
    """The name a user of `locale` sees: its localisation, else the default (a malformed dictionary is refused
    by check_localizations)."""
    localized = item.get("name_localizations")
    return localized.get(locale, item.get("name")) if isinstance(localized, dict) else item.get("name")


def _unique_per_locale(where: str, items: list[dict]) -> None:
    """Names, localised ones included, must not collide within one locale."""
    for locale in DISCORD_LOCALES:
        shown = [_shown_name(item, locale) for item in items]
        if len(set(shown)) != len(shown):
            raise invalid_form(f"{where}: names must be unique in locale {locale}: {sorted(map(str, shown))}")


def check_commands(commands: list[dict]) -> None:
    if len(commands) > 100:
        raise invalid_form("at most 100 global chat input commands")
    names = [c.get("name") for c in commands]
    if len(set(names)) != len(names):
        raise invalid_form("application command names must be unique")
    _unique_per_locale("application commands", commands)
    for cmd in commands:
        menu = cmd.get("type", 1) in (2, 3)  # a user or message context menu: no description, no options
        named = valid_menu_name if menu else valid_name
        if not named(cmd.get("name", "")):
            raise invalid_form(f"command name {cmd.get('name')!r} is invalid")
        if cmd.get("type", 1) == 1 and not 1 <= len(cmd.get("description") or "") <= 100:
            raise invalid_form(f"command {cmd['name']}: description must be 1 to 100 characters")
        if menu and (cmd.get("description") or cmd.get("options")):
            raise invalid_form(f"command {cmd['name']}: a context menu takes no description or options")
        where = f"command {cmd['name']}"
        check_localizations(where, "name_localizations", cmd.get("name_localizations"), named)
        check_localizations(where, "description_localizations", cmd.get("description_localizations"), _description)
        options = cmd.get("options") or []
        if len(options) > 25:
            raise invalid_form(f"command {cmd['name']}: at most 25 options")
        _unique_per_locale(f"{where} options", options)
        seen_optional = False
        for opt in options:
            if not valid_name(opt.get("name", "")):
                raise invalid_form(f"option name {opt.get('name')!r} is invalid")
            if not 1 <= len(opt.get("description") or "") <= 100:
                raise invalid_form(f"option {opt['name']}: description must be 1 to 100 characters")
            at = f"{where} option {opt['name']}"
            check_localizations(at, "name_localizations", opt.get("name_localizations"), valid_name)
            check_localizations(at, "description_localizations", opt.get("description_localizations"), _description)
            for choice in opt.get("choices") or []:
                if not _description(choice.get("name")):  # choice names: 1-100 characters, like descriptions
                    raise invalid_form(f"{at}: choice name {choice.get('name')!r} must be 1 to 100 characters")
                localized = choice.get("name_localizations")
                check_localizations(f"{at} choice {choice['name']}", "name_localizations", localized, _description)
            if opt.get("required"):
                if seen_optional:
                    raise invalid_form(f"command {cmd['name']}: required options must be placed before optional")
            else:
                seen_optional = True
            if len(opt.get("choices") or []) > 25:
                raise invalid_form(f"option {opt['name']}: at most 25 choices")
            if opt.get("choices") and opt.get("autocomplete"):
                raise invalid_form(f"option {opt['name']}: autocomplete may not be set with choices")


# --------------------------------------------------------------------------------------------------------------
# Recorded interactions


@dataclass
class Response:
    kind: str  # "callback" | "edit" | "followup" | "delete"
    body: dict
    at: float  # monotonic


@dataclass
class FakeInteraction:
    """One INTERACTION_CREATE the fake dispatched, and everything the bot answered to it."""

    fake: FakeDiscord
    id: int
    token: str
    type: int
    payload: dict
    sent_at: float
    responses: list[Response] = field(default_factory=list)
    response_type: int | None = None
    responded_at: float | None = None
    expired: bool = False  # no answer within 3 s: the user saw "This interaction failed"
    message_id: int | None = None  # the message @original refers to
    gateway: _Gateway | None = None  # the session it was delivered on
    followup_ids: list[int] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def latency(self) -> float | None:
        return None if self.responded_at is None else self.responded_at - self.sent_at

    @property
    def choices(self) -> list[dict]:
        """Autocomplete choices answered."""
        assert self.response_type == AUTOCOMPLETE_RESULT, f"not an autocomplete answer: {self.response_type}"
        return self.responses[0].body["data"]["choices"]

    @property
    def message(self) -> dict | None:
        """Current state of the message this interaction's response is (or, for a click, updated)."""
        return None if self.message_id is None else self.fake.messages.get(self.message_id)

    @property
    def ephemeral(self) -> bool:
        msg = self.message
        return bool(msg and msg["flags"] & EPHEMERAL)

    @property
    def followups(self) -> list[dict]:
        return [self.fake.messages[i] for i in self.followup_ids if i in self.fake.messages]

    def _pending(self) -> bool:
        msg = self.message
        if self.response_type == DEFERRED_MESSAGE:
            return msg is None or bool(msg["flags"] & LOADING)
        if self.response_type == DEFERRED_UPDATE:
            return not any(r.kind == "edit" for r in self.responses)
        return self.response_type is None

    async def wait_until(self, predicate, limit_s: float = 30.0, what: str = "the expected answer") -> None:
        """Wait until `predicate(self)` holds, re-checking on every change the bot makes."""
        loop = asyncio.get_running_loop()
        end = loop.time() + limit_s
        while not predicate(self):
            self.changed.clear()
            if self.expired:
                raise AssertionError(f"interaction {self.id} was never answered (This interaction failed)")
            remaining = end - loop.time()
            if remaining <= 0:
                raise AssertionError(f"interaction {self.id}: no {what} after {limit_s} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    async def final(self, limit_s: float = 30.0) -> dict:
        """Wait until a deferred response has been completed by an edit; return the message state."""
        await self.wait_until(lambda i: not i._pending(), limit_s, "edit completing the deferred response")
        msg = self.message
        assert msg is not None, "the interaction has no message"
        return msg


@dataclass(frozen=True)
class Identify:
    """One IDENTIFY a bot sent: its token, its `shard` ((0, 1) when it sent none) and whether it was refused."""

    token: str
    shard: tuple[int, int]
    refused: bool = False


def shard_problem(shard: object) -> str | None:
    """What is wrong with an IDENTIFY's `shard` field, by the documented rules (None: nothing)."""
    if not (isinstance(shard, list) and len(shard) == 2 and all(type(n) is int for n in shard)):
        return f"shard must be an array of two integers [shard_id, num_shards], got {shard!r}"
    shard_id, num_shards = shard
    if num_shards < 1 or not 0 <= shard_id < num_shards:
        return f"shard {shard!r}: shard_id must be at least 0 and below num_shards"
    return None


class _Gateway:
    def __init__(self, ws: web.WebSocketResponse):
        self.ws = ws
        self.seq = 0
        self.shard: tuple[int, int] = (0, 1)
        self.token: str | None = None  # of the IDENTIFY that opened the session
        self.ready = asyncio.Event()

    def serves(self, guild_id: int | None) -> bool:
        """Whether Discord delivers this guild's events on this session (a DM's: shard 0's)."""
        shard_id, num_shards = self.shard
        return shard_id == (0 if guild_id is None else (guild_id >> 22) % num_shards)

    async def dispatch(self, event: str, data: dict) -> None:
        self.seq += 1
        await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))


# --------------------------------------------------------------------------------------------------------------


class FakeDiscord:
    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._errors])
        self.app.router.add_get("/gateway", self._gateway)
        self.app.router.add_get("/gateway/", self._gateway)
        self.app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.violations: list[str] = []  # Discord rules the bot broke
        self.unknown_routes: list[str] = []  # routes the bot called that the fake lacks
        self.requests: list[tuple[str, str]] = []  # (method, path) of every REST call
        self.commands: dict[int | None, list[dict]] = {}  # guild id (None: global) -> registered commands
        self.command_puts = 0
        self.refuse_command_sync = False  # answer a command sync 403 Missing Access (no applications.commands)
        self.interactions: dict[int, FakeInteraction] = {}
        self.by_token: dict[str, FakeInteraction] = {}
        self.messages: dict[int, dict] = {}
        self.gateways: list[_Gateway] = []
        # Per ended gateway connection, the code of the close frame the client sent (None: it dropped the socket
        # without one, or the fake closed it). This is what Discord acts on (1000 ends the session at once); the
        # server's own `ws.close_code` is not: when the client shuts its socket right after its close frame, as
        # aiohttp does after a cancelled receive, the server's reply fails and aiohttp records 1006 over the 1000.
        self.client_close_codes: list[int | None] = []
        self.identified = asyncio.Event()  # a bot completed IDENTIFY
        self.identifies: list[Identify] = []  # every IDENTIFY, in order
        self.max_concurrency: int | None = None  # set: IDENTIFYs per bucket per 5 s enforced (and announced)
        self._bucket_identified: dict[int, float] = {}  # bucket -> when its last accepted IDENTIFY came
        self._at_ready: list = []  # coroutine factories dispatched right after the next READY
        self.ready_interactions: list[FakeInteraction] = []  # what they dispatched
        self.commands_synced = asyncio.Event()  # a bot pushed its command tree
        self.deadline_s = RESPONSE_DEADLINE_S
        self.routes = [
            ("GET", r"users/@me", self._me),
            ("GET", r"oauth2/applications/@me", self._application),
            ("GET", r"applications/@me", self._application),
            ("GET", r"gateway", self._gateway_url),
            ("GET", r"gateway/bot", self._gateway_url),
            ("PUT", r"applications/(?P<app>\d+)/commands", self._put_commands),
            ("GET", r"applications/(?P<app>\d+)/commands", self._get_commands),
            ("PUT", r"applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._put_commands),
            ("GET", r"applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", self._get_commands),
            ("POST", r"interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("GET", r"webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self._get_message),
            ("PATCH", r"webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self._edit_message),
            ("DELETE", r"webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self._delete),
            ("POST", r"webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
        ]

    # ---- lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]  # ephemeral port chosen by the OS

    async def stop(self) -> None:
        for gw in list(self.gateways):
            with contextlib.suppress(Exception):
                await gw.ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    def violation(self, text: str) -> None:
        log.warning("discord rule broken: %s", text)
        self.violations.append(text)

    def take_violations(self) -> list[str]:
        out, self.violations = self.violations, []
        return out

    # ---- HTTP plumbing ---------------------------------------------------------------------------------------
    @web.middleware
    async def _errors(self, request: web.Request, handler):
        try:
            return await handler(request)
        except DiscordError as err:
            self.violation(f"{request.method} {request.path}: {err}")
            return error_response(err)

    async def _rest(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        self.requests.append((request.method, tail))
        auth = request.headers.get("Authorization") or ""
        if not tail.startswith(("interactions/", "webhooks/")) and (not auth or auth.startswith("Bot invalid")):
            # Tokens starting with "invalid" stand for a revoked or mistyped token.
            return json_response({"code": 0, "message": "401: Unauthorized"}, status=401)
        for method, pattern, handler in self.routes:
            if method == request.method and (m := re.fullmatch(pattern, tail)):
                return await handler(request, **m.groupdict())
        self.unknown_routes.append(f"{request.method} /{tail}")
        return json_response({"code": 0, "message": "404: Not Found"}, status=404)

    async def _json(self, request: web.Request) -> dict:
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while part := await reader.next():
                if part.name == "payload_json":
                    return json.loads(await part.text())
            return {}
        body = await request.read()
        return json.loads(body) if body else {}

    # ---- identity, app, gateway url --------------------------------------------------------------------------
    async def _me(self, request: web.Request) -> web.Response:
        return json_response(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(APP_ID),
                "name": "MoreLike",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": user_payload(DEFAULT_USER_ID, "owner"),
                "team": None,
                "summary": "",
                "bot": BOT_USER,
            }
        )

    async def _gateway_url(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": self.max_concurrency or 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    # ---- command sync ----------------------------------------------------------------------------------------
    async def _put_commands(self, request: web.Request, app: str, guild: str | None = None) -> web.Response:
        if int(app) != APP_ID or self.refuse_command_sync:
            raise DiscordError(403, 50001, "Missing Access")
        commands = await self._json(request)
        check_commands(commands)
        stored = []
        for cmd in commands:
            stored.append(
                {
                    **cmd,
                    "id": str(snowflake()),
                    "application_id": str(APP_ID),
                    "version": str(snowflake()),
                    "type": cmd.get("type", 1),
                    "description": cmd.get("description") or "",  # Discord answers "" for a context menu
                    **({"guild_id": guild} if guild else {}),
                }
            )
        self.commands[int(guild) if guild else None] = stored
        self.command_puts += 1
        self.commands_synced.set()
        return json_response(stored)

    async def _get_commands(self, request: web.Request, app: str, guild: str | None = None) -> web.Response:
        return json_response(self.commands.get(int(guild) if guild else None, []))

    # ---- gateway ---------------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        gw = _Gateway(ws)
        self.gateways.append(gw)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        client_code: int | None = None
        try:
            while True:
                msg = await ws.receive()
                if msg.type == WSMsgType.CLOSE:
                    client_code = msg.data
                    break
                if msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:  # heartbeat
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:  # identify
                    d = data["d"]
                    if not d.get("token"):
                        await ws.close(code=4004)
                        break
                    problem = shard_problem(d["shard"]) if "shard" in d else None
                    if problem is not None:
                        self.violation(f"IDENTIFY: {problem}")
                        await ws.close(code=INVALID_SHARD)
                        break
                    shard_id, num_shards = d.get("shard", (0, 1))
                    if self._identify_too_soon(shard_id):
                        # Discord: "If your app exceeds this limit, Discord will respond with a Invalid Session".
                        self.identifies.append(Identify(d["token"], (shard_id, num_shards), refused=True))
                        self.violation(
                            f"IDENTIFY of shard {shard_id} within {IDENTIFY_WINDOW_S:g} s of another in its bucket "
                            f"(max_concurrency {self.max_concurrency})"
                        )
                        await ws.send_str(json.dumps({"op": 9, "d": False}))
                        continue
                    gw.shard, gw.token = (shard_id, num_shards), d["token"]
                    self.identifies.append(Identify(d["token"], gw.shard))
                    await gw.dispatch(
                        "READY",
                        {
                            "v": 10,
                            "user": BOT_USER,
                            "guilds": [],
                            "session_id": f"session-{snowflake()}",
                            "resume_gateway_url": self.gateway_url,
                            "shard": list(gw.shard),
                            "application": {"id": str(APP_ID), "flags": 0},
                        },
                    )
                    gw.ready.set()
                    # Users who acted while the bot was starting: their interactions arrive right behind READY,
                    # before the bot has read anything else from the socket.
                    pending, self._at_ready = self._at_ready, []
                    for factory in pending:
                        self.ready_interactions.append(await factory())
                    self.identified.set()
                elif op == 6:  # resume: not supported, make the client identify again
                    await ws.send_str(json.dumps({"op": 9, "d": False}))
        finally:
            self.client_close_codes.append(client_code)
            if gw in self.gateways:
                self.gateways.remove(gw)
        return ws

    def _identify_too_soon(self, shard_id: int) -> bool:
        """Whether an IDENTIFY now exceeds `max_concurrency` per 5 s in its bucket; if not, it takes the slot."""
        if self.max_concurrency is None:
            return False
        bucket, now = shard_id % self.max_concurrency, time.monotonic()
        last = self._bucket_identified.get(bucket)
        if last is not None and now - last < IDENTIFY_WINDOW_S:
            return True
        self._bucket_identified[bucket] = now
        return False

    async def disconnect_all(self, code: int = 4004) -> None:
        """Close every gateway connection with a close code (4004: authentication failed, not resumable)."""
        for gw in list(self.gateways):
            await gw.ws.close(code=code)

    def _gateway_for(self, guild_id: int | None) -> _Gateway:
        live = [g for g in self.gateways if g.ready.is_set() and not g.ws.closed]
        if not live:
            raise AssertionError("no bot is connected to the fake gateway")
        for g in live:
            if g.serves(guild_id):
                return g
        where = "a DM (shard 0)" if guild_id is None else f"guild {guild_id}"
        raise AssertionError(f"no session serves {where}: connected shards {sorted(g.shard for g in live)}")

    # ---- dispatching interactions (the test API) -------------------------------------------------------------
    def _base_interaction(self, itype: int, data: dict, user_id: int, guild: bool, locale: str = "en-US") -> dict:
        iid = snowflake()
        user = user_payload(user_id, f"user{user_id % 100000}")
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": itype,
            "data": data,
            "token": f"tok-{iid}-{snowflake()}",
            "version": 1,
            "locale": locale,  # the user's client language (any string: a test may send one Discord lacks)
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(CHANNEL_ID),
        }
        if guild:
            payload.update(
                guild_id=str(GUILD_ID),
                guild={"id": str(GUILD_ID), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel={
                    "id": str(CHANNEL_ID),
                    "type": 0,
                    "guild_id": str(GUILD_ID),
                    "name": "general",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "parent_id": None,
                    "flags": 0,
                },
                member={
                    "user": user,
                    "roles": [],
                    "joined_at": iso_now(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "pending": False,
                    "permissions": "2248473465835073",
                    "nick": None,
                    "avatar": None,
                },
                authorizing_integration_owners={"0": str(GUILD_ID)},
                context=0,
            )
        else:
            payload.update(
                user=user,
                channel={"id": str(CHANNEL_ID), "type": 1, "recipients": [user], "flags": 0},
                authorizing_integration_owners={"1": str(user_id)},
                context=1,
            )
        return payload

    def _find_command(self, name: str, guild: bool) -> dict:
        scopes = ([GUILD_ID] if guild else []) + [None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        raise AssertionError(f"/{name} is not a registered command (registered: {self.commands})")

    def _command_data(self, name: str, options: dict, guild: bool, focused: str | None = None) -> dict:
        cmd = self._find_command(name, guild)
        out = self._options(name, cmd.get("options") or [], options, focused)
        data = {"id": cmd["id"], "name": name, "type": 1, "options": out}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data

    def _options(self, name: str, declared_list: list[dict], options: dict, focused: str | None) -> list[dict]:
        """The options a user fills in, checked as the Discord client checks them; a subcommand's (/link trakt)
        given as a dict of its own options."""
        declared = {o["name"]: o for o in declared_list}
        out = []
        for key, value in options.items():
            if key not in declared:
                raise AssertionError(f"/{name} has no option {key!r} (declared: {list(declared)})")
            otype = declared[key]["type"]
            if otype == OPT_SUB_COMMAND:
                inner = self._options(f"{name} {key}", declared[key].get("options") or [], value, focused)
                out.append({"name": key, "type": OPT_SUB_COMMAND, "options": inner})
                continue
            if key != focused:
                expected = {OPT_STRING: str, OPT_INTEGER: int, OPT_BOOLEAN: bool, OPT_NUMBER: (int, float)}
                if otype in expected and not isinstance(value, expected[otype]):
                    raise AssertionError(f"option {key!r} of /{name} takes {expected[otype]}, got {value!r}")
                choices = declared[key].get("choices")
                if choices and value not in [c["value"] for c in choices]:
                    raise AssertionError(f"option {key!r} of /{name}: {value!r} is not one of its choices")
                # The Discord client refuses values outside the declared bounds before anything is sent.
                spec = declared[key]
                if ("min_value" in spec and value < spec["min_value"]) or (
                    "max_value" in spec and value > spec["max_value"]
                ):
                    raise AssertionError(f"option {key!r} of /{name}: {value!r} is outside its declared range")
                if isinstance(value, str) and not spec.get("min_length", 0) <= len(value) <= spec.get(
                    "max_length", 6000
                ):
                    raise AssertionError(f"option {key!r} of /{name}: {value!r} has a length outside its bounds")
            opt = {"name": key, "type": otype, "value": value}
            if key == focused:
                opt["focused"] = True
            out.append(opt)
        if focused is None:
            missing = [o for o in declared.values() if o.get("required") and o["name"] not in options]
            if missing:
                raise AssertionError(f"/{name} needs option {missing[0]['name']!r}")
        return out

    async def _dispatch(self, payload: dict, wait: bool) -> FakeInteraction:
        loop = asyncio.get_running_loop()
        inter = FakeInteraction(
            fake=self,
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            payload=payload,
            sent_at=time.monotonic(),
        )
        self.interactions[inter.id] = inter
        self.by_token[inter.token] = inter
        gw = self._gateway_for(int(payload["guild_id"]) if payload.get("guild_id") else None)
        inter.gateway = gw
        inter.sent_at = time.monotonic()
        await gw.dispatch("INTERACTION_CREATE", payload)
        loop.call_later(self.deadline_s, self._expire, inter)
        if wait:
            await self.wait_acknowledged(inter)
        return inter

    def _expire(self, inter: FakeInteraction) -> None:
        if inter.response_type is None and not inter.expired:
            inter.expired = True
            what = inter.payload["data"].get("custom_id") or inter.payload["data"].get("name")
            self.violation(
                f"interaction {inter.id} (type {inter.type}, {what!r}) got no response within {self.deadline_s:g} s:"
                " the user saw 'This interaction failed'"
            )
            inter.changed.set()

    async def redeliver(self, inter: FakeInteraction) -> None:
        """Deliver the same INTERACTION_CREATE again (same id and token), as Discord may after a resume."""
        gw = self._gateway_for(int(inter.payload["guild_id"]) if inter.payload.get("guild_id") else None)
        await gw.dispatch("INTERACTION_CREATE", inter.payload)

    def at_ready(self, factory) -> None:
        """`factory()` (e.g. `lambda: fake.command("similar", {...}, wait=False)`) runs right after the next READY
        is sent; the interaction it returns lands in `ready_interactions`."""
        self._at_ready.append(factory)

    def forge(self, message: dict, old: str, new: str) -> None:
        """Give a component of a message the fake handed out another custom_id: what an older version of the bot,
        or a hand-edited client, leaves behind."""
        self.component(self.messages[int(message["id"])], old)["custom_id"] = new

    def visible_commands(self, guild_id: int | None = GUILD_ID) -> list[str]:
        """Command names a member sees in the picker: the guild's commands and the global ones, listed together
        (a command registered in both scopes shows twice)."""
        scopes = [None] + ([guild_id] if guild_id is not None else [])
        return sorted(c["name"] for scope in scopes for c in self.commands.get(scope, []))

    async def wait_acknowledged(self, inter: FakeInteraction) -> FakeInteraction:
        while inter.response_type is None and not inter.expired:
            inter.changed.clear()
            await inter.changed.wait()
        return inter

    async def command(
        self,
        name: str,
        options: dict | None = None,
        *,
        user: int = DEFAULT_USER_ID,
        guild: bool = True,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user runs /name with these options; returns once the bot answered (or 3 s passed)."""
        data = self._command_data(name, options or {}, guild)
        return await self._dispatch(self._base_interaction(2, data, user, guild, locale), wait)

    async def message_command(
        self,
        name: str,
        message: dict,
        *,
        user: int = DEFAULT_USER_ID,
        guild: bool = True,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user picks the message command `name` on `message` (a message object: one the fake handed out, or
        `member_message(...)`): type 2 with data.type 3, the target's id and the message in data.resolved."""
        cmd = self._find_command(name, guild)
        if cmd.get("type") != 3:
            raise AssertionError(f"{name!r} is not a message command")
        target = {k: v for k, v in message.items() if not k.startswith("_")}
        data = {
            "id": cmd["id"],
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._dispatch(self._base_interaction(2, data, user, guild, locale), wait)

    @staticmethod
    def member_message(content: str, *, embeds: list[dict] | None = None, user: int = 222) -> dict:
        """A message a server member wrote (not the bot's), as Discord sends it in `resolved.messages`."""
        return {
            "id": str(snowflake()),
            "channel_id": str(CHANNEL_ID),
            "type": 0,
            "content": content,
            "embeds": embeds or [],
            "components": [],
            "attachments": [],
            "author": user_payload(user, f"member{user % 1000}"),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": 0,
        }

    async def raw_command(
        self,
        name: str,
        options: dict | list | None = None,
        *,
        focused: str | None = None,
        user: int = DEFAULT_USER_ID,
        guild: bool = True,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """/name as a hand-made request can send it, unchecked: a dict gives each value (of any JSON type:
        12345, None, a list for a text option; "yes" for a boolean) its option's declared type, a list is sent
        as the raw `options` array, and required options may be left out. With `focused` (an option name of
        the dict), an autocomplete interaction on that option instead."""
        cmd = self._find_command(name, guild)
        declared = {o["name"]: o for o in cmd.get("options") or []}
        if isinstance(options, dict):
            options = [
                {"name": key, "type": declared[key]["type"] if key in declared else OPT_STRING, "value": value}
                | ({"focused": True} if key == focused else {})
                for key, value in options.items()
            ]
        data = {"id": cmd["id"], "name": name, "type": 1, "options": [] if options is None else options}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        payload = self._base_interaction(2 if focused is None else 4, data, user, guild, locale)
        return await self._dispatch(payload, wait)

    async def autocomplete(
        self,
        name: str,
        focused: str,
        value: str,
        options: dict | None = None,
        *,
        user: int = DEFAULT_USER_ID,
        guild: bool = True,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user types `value` into option `focused` of /name."""
        data = self._command_data(name, {**(options or {}), focused: value}, guild, focused=focused)
        return await self._dispatch(self._base_interaction(4, data, user, guild, locale), wait)

    def _component(self, message: dict | int, custom_id: str) -> tuple[dict, dict]:
        mid = message if isinstance(message, int) else int(message["id"])
        current = self.messages.get(mid)
        if current is None:
            raise AssertionError(f"message {mid} does not exist (deleted, or never handed out by the fake)")
        for row in current.get("components") or []:
            for comp in row.get("components") or []:
                if comp.get("custom_id") == custom_id:
                    if comp.get("disabled"):
                        raise AssertionError(f"component {custom_id!r} is disabled: it cannot be clicked")
                    return current, comp
        raise AssertionError(f"message {mid} has no component {custom_id!r}: {self.custom_ids(current)}")

    @staticmethod
    def custom_ids(message: dict) -> list[str]:
        return [
            c["custom_id"] for row in message.get("components") or [] for c in row["components"] if "custom_id" in c
        ]

    @staticmethod
    def component(message: dict, custom_id: str) -> dict:
        for row in message.get("components") or []:
            for comp in row["components"]:
                if comp.get("custom_id") == custom_id:
                    return comp
        raise AssertionError(f"no component {custom_id!r}")

    def _component_payload(self, message: dict, data: dict, user: int, locale: str = "en-US") -> dict:
        guild = "guild_id" in message or message.get("_guild", True)
        payload = self._base_interaction(3, data, user, guild, locale)
        payload["message"] = {k: v for k, v in message.items() if not k.startswith("_")}
        return payload

    async def click(
        self,
        message: dict | int,
        custom_id: str,
        *,
        user: int = DEFAULT_USER_ID,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user clicks a button of a message the fake handed out (its current state)."""
        current, comp = self._component(message, custom_id)
        if comp.get("type") != 2:
            raise AssertionError(f"{custom_id!r} is not a button")
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._dispatch(self._component_payload(current, data, user, locale), wait)

    async def select(
        self,
        message: dict | int,
        custom_id: str,
        values: list[str],
        *,
        user: int = DEFAULT_USER_ID,
        wait: bool = True,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user picks `values` in a string select menu of a message the fake handed out."""
        current, comp = self._component(message, custom_id)
        if comp.get("type") != 3:
            raise AssertionError(f"{custom_id!r} is not a string select")
        offered = [o["value"] for o in comp["options"]]
        unknown = [v for v in values if v not in offered]
        if unknown:
            raise AssertionError(f"{unknown} are not options of {custom_id!r}: {offered}")
        if not comp.get("min_values", 1) <= len(values) <= comp.get("max_values", 1):
            raise AssertionError(f"{len(values)} values picked, outside min/max of {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._dispatch(self._component_payload(current, data, user, locale), wait)

    async def raw_click(
        self,
        message: dict | int,
        custom_id: str,
        component_type: int,
        values: list[str] | None = None,
        *,
        user: int = DEFAULT_USER_ID,
        wait: bool = True,
    ) -> FakeInteraction:
        """A component interaction of `component_type` (2 button, 3 string select) on a component of a message the
        fake handed out, whatever that component's own type: what a hand-made request can send."""
        current, _ = self._component(message, custom_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._dispatch(self._component_payload(current, data, user), wait)

    # ---- responses -------------------------------------------------------------------------------------------
    def _new_message(self, inter: FakeInteraction, data: dict, flags: int) -> dict:
        mid = snowflake()
        msg = {
            "id": str(mid),
            "channel_id": str(CHANNEL_ID),
            "type": 20 if inter.type == 2 else 0,
            "content": data.get("content") or "",
            "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "attachments": [],
            "author": BOT_USER,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(data.get("tts")),
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "flags": flags,
            "webhook_id": str(APP_ID),
            "application_id": str(APP_ID),
            "_guild": "guild_id" in inter.payload,
            "interaction_metadata": self._metadata(inter),
        }
        if "guild_id" in inter.payload:
            msg["guild_id"] = inter.payload["guild_id"]
        self.messages[mid] = msg
        return msg

    @staticmethod
    def _metadata(inter: FakeInteraction) -> dict:
        """Discord's message interaction metadata: which interaction made the message, and whose it was."""
        payload = inter.payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        meta: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if inter.type == 3:
            meta["interacted_message_id"] = payload["message"]["id"]
        if inter.message_id is not None:  # a followup: the interaction's first message already exists
            meta["original_response_message_id"] = str(inter.message_id)
        return meta

    async def _callback(self, request: web.Request, iid: str, token: str) -> web.Response:
        body = await self._json(request)
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            raise DiscordError(404, 10062, "Unknown interaction")
        now = time.monotonic()
        if inter.expired or now - inter.sent_at > self.deadline_s:
            inter.expired = True
            raise DiscordError(404, 10062, "Unknown interaction")
        if inter.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        rtype = body.get("type")
        if rtype not in ALLOWED_RESPONSES.get(inter.type, set()):
            raise invalid_form(f"type: callback type {rtype} is not valid for interaction type {inter.type}")
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": rtype}
        if rtype == AUTOCOMPLETE_RESULT:
            check_choices(data.get("choices") or [])
        elif rtype == MESSAGE:
            check_message(data)
            if not (data.get("content") or data.get("embeds") or data.get("components")):
                raise DiscordError(400, 50006, "Cannot send an empty message")
            msg = self._new_message(inter, data, (data.get("flags") or 0) & EPHEMERAL)
            inter.message_id = int(msg["id"])
        elif rtype == DEFERRED_MESSAGE:
            msg = self._new_message(inter, {}, ((data.get("flags") or 0) & EPHEMERAL) | LOADING)
            inter.message_id = int(msg["id"])
        elif rtype in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            target = int(inter.payload["message"]["id"])
            if target not in self.messages:
                raise DiscordError(404, 10008, "Unknown Message")
            inter.message_id = target
            if rtype == UPDATE_MESSAGE:
                check_message(data)
                self._apply_edit(self.messages[target], data)
        inter.response_type = rtype
        inter.responded_at = now
        inter.responses.append(Response("callback", body, now))
        inter.changed.set()
        if inter.message_id is not None and rtype != AUTOCOMPLETE_RESULT:
            msg = self.messages[inter.message_id]
            resource["message"] = self._public(msg)
        out = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_id": str(inter.message_id) if inter.message_id else None,
                "response_message_loading": rtype == DEFERRED_MESSAGE,
                "response_message_ephemeral": inter.ephemeral,
            },
            "resource": resource,
        }
        if request.query.get("with_response") in ("1", "true", "True"):
            return json_response(out)
        return web.Response(status=204)

    @staticmethod
    def _public(msg: dict) -> dict:
        return {k: v for k, v in msg.items() if not k.startswith("_")}

    @staticmethod
    def _apply_edit(msg: dict, data: dict) -> None:
        for key in ("content", "embeds", "components"):
            if key in data:
                msg[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        msg["flags"] &= ~LOADING
        msg["edited_timestamp"] = iso_now()

    def _webhook_target(self, app: str, token: str, mid: str) -> tuple[FakeInteraction, int]:
        if int(app) != APP_ID:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        inter = self.by_token.get(token)
        if inter is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if mid == "@original":
            if inter.message_id is None:
                raise DiscordError(404, 10008, "Unknown Message")
            return inter, inter.message_id
        if int(mid) != inter.message_id and int(mid) not in inter.followup_ids:
            raise DiscordError(404, 10008, "Unknown Message")
        return inter, int(mid)

    async def _get_message(self, request: web.Request, app: str, token: str, mid: str) -> web.Response:
        _, message_id = self._webhook_target(app, token, mid)
        if message_id not in self.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        return json_response(self._public(self.messages[message_id]))

    async def _edit_message(self, request: web.Request, app: str, token: str, mid: str) -> web.Response:
        inter, message_id = self._webhook_target(app, token, mid)
        body = await self._json(request)
        msg = self.messages.get(message_id)
        if msg is None:
            raise DiscordError(404, 10008, "Unknown Message")
        check_message({**self._public(msg), **{k: v for k, v in body.items() if v is not None}})
        self._apply_edit(msg, body)
        inter.responses.append(Response("edit", body, time.monotonic()))
        inter.changed.set()
        return json_response(self._public(msg))

    async def _delete(self, request: web.Request, app: str, token: str, mid: str) -> web.Response:
        inter, message_id = self._webhook_target(app, token, mid)
        if self.messages.pop(message_id, None) is None:
            raise DiscordError(404, 10008, "Unknown Message")
        inter.responses.append(Response("delete", {"id": message_id}, time.monotonic()))
        inter.changed.set()
        return web.Response(status=204)

    async def _followup(self, request: web.Request, app: str, token: str) -> web.Response:
        inter = self.by_token.get(token)
        if int(app) != APP_ID or inter is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if inter.response_type is None:
            # Followups need an initial response first (Discord: the token is valid only after it).
            raise DiscordError(404, 10015, "Unknown Webhook")
        body = await self._json(request)
        check_message(body)
        if not (body.get("content") or body.get("embeds") or body.get("components")):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if inter.response_type == DEFERRED_MESSAGE and inter.message and inter.message["flags"] & LOADING:
            # The first followup after a deferred reply completes the loading message, as Discord does.
            msg = inter.message  # keeps the ephemerality chosen when deferring
            self._apply_edit(msg, body)
        else:
            msg = self._new_message(inter, body, (body.get("flags") or 0) & EPHEMERAL)
            inter.followup_ids.append(int(msg["id"]))
        inter.responses.append(Response("followup", body, time.monotonic()))
        inter.changed.set()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(self._public(msg))
        return web.Response(status=204)


# --------------------------------------------------------------------------------------------------------------
# Harness


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def patched_discord(fake: FakeDiscord):
    """Point discord.py's REST base and gateway URL at the fake (the only two hooks the recipe needs)."""
    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def running_fake(strict: bool = True) -> AsyncIterator[FakeDiscord]:
    """Start the fake, patch discord.py at it, and at exit fail on broken rules, unknown routes or ERROR logs."""
    fake = FakeDiscord()
    await fake.start()
    errors = _ErrorRecords()
    watched = [logging.getLogger("discord"), logging.getLogger("bot")]
    for lg in watched:
        lg.addHandler(errors)
    fake.error_records = errors.records  # type: ignore[attr-defined]
    try:
        with patched_discord(fake):
            yield fake
    finally:
        for lg in watched:
            lg.removeHandler(errors)
        await fake.stop()
    if strict:
        messages = [f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in errors.records]
        assert not fake.unknown_routes, f"the bot called routes the fake lacks: {fake.unknown_routes}"
        assert not fake.violations, f"the bot broke Discord's rules: {fake.violations}"
        assert not messages, "ERROR logged during the test:\n" + "\n".join(messages)


@contextlib.asynccontextmanager
async def running_client(fake: FakeDiscord, client: discord.Client, token: str = "fake-token") -> AsyncIterator:
    """Run a real discord.py client against the fake until it is ready; close it at exit."""
    task = asyncio.create_task(client.start(token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises the start failure
        if ready not in done:
            ready.cancel()
            raise AssertionError("the bot did not become ready against the fake Discord")
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 10)
