"""A member's own Trakt account: OAuth device flow, token refresh and revocation, and what they watched.

In the core because every face uses it: the Discord bot links a member's account (`/link trakt`), the REST API and
the terminal read a public profile by username or a token file. The indexer's client (indexer/trakt/client.py)
crawls the catalog with the app's key alone; this one acts for a person, so it carries their token.

Trakt's documentation (trakt.docs.apiary.io, "Authentication - Devices"; contracts in github.com/trakt/trakt-api):
POST /oauth/device/code {client_id} -> {device_code, user_code, verification_url, expires_in, interval}; then poll
POST /oauth/device/token {code, client_id, client_secret} every `interval` seconds until `expires_in`: 200 tokens,
400 pending, 404 invalid code, 409 already used, 410 expired, 418 denied, 429 slow down (poll less often).
POST /oauth/token with grant_type=refresh_token renews; POST /oauth/revoke ends a token.

Secrets: tokens and the client secret never reach a log line, an exception message or a repr (`Tokens` hides
them); at rest they are sealed with Fernet (`TokenBox`, key from MORELIKE_SECRET_KEY).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from morelike.members import MemberStore

log = logging.getLogger("morelike.trakt_user")

TRAKT_API = "https://api.trakt.tv"
API_VERSION = "2"
SECRET_KEY_ENV = "MORELIKE_SECRET_KEY"
SLOW_DOWN_S = 5  # what a 429 adds to the polling interval (RFC 8628 3.5, which Trakt's device flow follows)
REFRESH_MARGIN_S = 3600  # refresh an access token (24 h) in its last hour; the refresh token outlives it by months
PAGE_LIMIT = 100  # items per history page
MAX_PAGES = 50  # 5,000 items a kind: a bound on one fetch (Trakt allows 1,000 GETs per 5 minutes)
MAX_RETRIES = 3  # 429s honoured (waiting Retry-After) before giving up on a fetch
HISTORY_TTL_S = 15 * 60


class TraktUserError(Exception):
    """One sentence for a person, and a `reason` the faces translate: pending, invalid, used, expired, denied,
    revoked, private, unknown_user, rate_limited, unavailable, no_key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class DeviceCode:
    device_code: str = field(repr=False)
    user_code: str
    verification_url: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Tokens:
    """A member's tokens; `repr` shows neither (a stray log of this object leaks nothing)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float

    def due(self, now: float) -> bool:
        """Whether to refresh now: within REFRESH_MARGIN_S of expiry, or past it."""
        return now >= self.expires_at - REFRESH_MARGIN_S

    def to_json(self) -> bytes:
        return json.dumps(
            {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_at": self.expires_at}
        ).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Tokens:
        raw = json.loads(data)
        return cls(str(raw["access_token"]), str(raw.get("refresh_token") or ""), float(raw.get("expires_at") or 0))


class TokenBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) over a member's tokens, its key from the environment only."""

    def __init__(self, key: str | bytes) -> None:
        from cryptography.fernet import Fernet  # the one place that needs it

        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise TraktUserError(
                "no_key",
                f"{SECRET_KEY_ENV} is not a Fernet key: make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.',
            ) from None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> TokenBox | None:
        """The box, or None when MORELIKE_SECRET_KEY is unset (linking is then refused)."""
        key = (environ if environ is not None else os.environ).get(SECRET_KEY_ENV, "").strip()
        return cls(key) if key else None

    def seal(self, tokens: Tokens) -> bytes:
        return self._fernet.encrypt(tokens.to_json())

    def open(self, sealed: bytes) -> Tokens:
        from cryptography.fernet import InvalidToken

        try:
            return Tokens.from_json(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError, KeyError):
            # Another key (rotated) or a damaged row: the member links again; nothing to show anyone.
            raise TraktUserError("revoked", "This Trakt link can no longer be read: link it again.") from None


@dataclass(frozen=True)
class Watched:
    """What a member watched (and, when asked, has on their watchlist): the catalog ids it may go by."""

    catalog_ids: frozenset[str]
    titles: int  # movies and shows it came from

    def in_catalog(self, get: Callable[[str], Any]) -> frozenset[str]:
        """The ids of the titles a catalog has of these (`get`: an engine's `get`, None for one it lacks): what an
        answer leaves out, and how many it says were left out."""
        return frozenset(card.id for card in map(get, self.catalog_ids) if card is not None)


def catalog_ids_of(kind: str, ids: dict[str, Any]) -> set[str]:
    """The catalog ids a Trakt movie or show may have in this project's catalogs: a Trakt crawl's own
    (`trakt-movie-N`), the bundled catalog's IMDb and TMDB ones (`imdb-tt…`, `tmdb-movie-N`)."""
    out: set[str] = set()
    if ids.get("trakt"):
        out.add(f"trakt-{kind}-{int(ids['trakt'])}")
    if ids.get("imdb"):
        out.add(f"imdb-{ids['imdb']}")
    if ids.get("tmdb"):
        out.add(f"tmdb-{kind}-{int(ids['tmdb'])}")
    return out


_DEVICE_ERRORS = {
    404: ("invalid", "Trakt does not know this code: run the link command again."),
    409: ("used", "This code was already used: run the link command again."),
    410: ("expired", "The code expired before it was entered: run the link command again."),
    418: ("denied", "The link was denied on Trakt."),
}


class TraktUser:
    """Trakt for one app (client id and secret), acting for whichever member's tokens it is given.

    `clock` and `sleep` are injected so tests drive the device flow's interval and expiry without waiting."""

    def __init__(
        self,
        client_id: str,
        client_secret: str = "",
        *,
        base_url: str = TRAKT_API,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout_s: float = 20.0,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.sleep = sleep
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def __repr__(self) -> str:
        return f"TraktUser(base_url={self.base_url!r})"

    # -- HTTP ------------------------------------------------------------------------------------------------
    async def _request(
        self, method: str, path: str, *, token: str | None = None, body: dict | None = None, params: dict | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        headers = {
            "Content-Type": "application/json",
            "trakt-api-version": API_VERSION,
            "trakt-api-key": self.client_id,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(
                    method, self.base_url + path, headers=headers, json=body, params=params
                ) as resp:
                    text = await resp.text()
                    try:
                        data = json.loads(text) if text else None
                    except ValueError:
                        data = None
                    return resp.status, data, dict(resp.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("event=trakt_unreachable path=%s error=%s", path, type(exc).__name__)
            raise TraktUserError("unavailable", "Trakt cannot be reached right now: try again in a moment.") from None

    def _tokens(self, data: Any) -> Tokens:
        try:
            created = float(data.get("created_at") or self.clock())
            return Tokens(str(data["access_token"]), str(data["refresh_token"]), created + float(data["expires_in"]))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise TraktUserError("unavailable", "Trakt answered the sign-in with something unexpected.") from None

    # -- device flow -----------------------------------------------------------------------------------------
    async def device_code(self) -> DeviceCode:
        status, data, _ = await self._request("POST", "/oauth/device/code", body={"client_id": self.client_id})
        if status != 200 or not isinstance(data, dict):
            log.warning("event=trakt_device_code_failed status=%s", status)
            raise TraktUserError("unavailable", "Trakt did not give a sign-in code: try again in a moment.")
        try:
            return DeviceCode(
                str(data["device_code"]),
                str(data["user_code"]),
                str(data["verification_url"]),
                int(data["expires_in"]),
                max(1, int(data["interval"])),
            )
        except (KeyError, TypeError, ValueError):
            raise TraktUserError("unavailable", "Trakt gave a sign-in code this bot cannot read.") from None

    async def poll(self, code: DeviceCode) -> Tokens:
        """Poll until the member approves (tokens), or the code is denied, used, unknown or expired (raises).
        Waits `interval` between polls, longer after each 429, and never past `expires_in`."""
        deadline = self.clock() + code.expires_in
        interval = code.interval
        while True:
            await self.sleep(interval)
            if self.clock() >= deadline:
                raise TraktUserError("expired", _DEVICE_ERRORS[410][1])
            body = {"code": code.device_code, "client_id": self.client_id, "client_secret": self._secret}
            status, data, _ = await self._request("POST", "/oauth/device/token", body=body)
            if status == 200:
                return self._tokens(data)
            if status == 400:  # pending: the member has not entered the code yet
                continue
            if status == 429:
                interval += SLOW_DOWN_S
                log.info("event=trakt_slow_down interval=%d", interval)
                continue
            if status in _DEVICE_ERRORS:
                reason, message = _DEVICE_ERRORS[status]
                raise TraktUserError(reason, message)
            log.warning("event=trakt_device_poll_failed status=%s", status)
            raise TraktUserError("unavailable", "Trakt could not finish the sign-in: try again in a moment.")

    async def refresh(self, tokens: Tokens) -> Tokens:
        body = {
            "refresh_token": tokens.refresh_token,
            "client_id": self.client_id,
            "client_secret": self._secret,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "grant_type": "refresh_token",
        }
        status, data, _ = await self._request("POST", "/oauth/token", body=body)
        if status == 200:
            return self._tokens(data)
        if status in (400, 401):  # invalid_grant: revoked on Trakt, or the refresh token expired
            raise TraktUserError("revoked", "Your Trakt link was revoked or has expired: link it again.")
        raise TraktUserError("unavailable", "Trakt cannot renew your link right now: try again in a moment.")

    async def fresh(self, tokens: Tokens) -> Tokens:
        """`tokens`, refreshed first when they are due (REFRESH_MARGIN_S before expiry)."""
        return await self.refresh(tokens) if tokens.due(self.clock()) else tokens

    async def revoke(self, tokens: Tokens) -> None:
        body = {"token": tokens.access_token, "client_id": self.client_id, "client_secret": self._secret}
        status, _, _ = await self._request("POST", "/oauth/revoke", body=body)
        if status != 200:
            log.warning("event=trakt_revoke_failed status=%s", status)  # the link is deleted here anyway

    # -- history ---------------------------------------------------------------------------------------------
    async def _pages(self, path: str, token: str | None) -> list[Any]:
        items: list[Any] = []
        page, retries = 1, 0
        while page <= MAX_PAGES:
            status, data, headers = await self._request(
                "GET", path, token=token, params={"page": page, "limit": PAGE_LIMIT}
            )
            if status == 429 and retries < MAX_RETRIES:
                retries += 1
                await self.sleep(_retry_after(headers))
                continue
            if status == 401:
                reason = "revoked" if token else "private"
                raise TraktUserError(
                    reason,
                    "Your Trakt link was revoked or has expired: link it again."
                    if token
                    else "That Trakt profile is private.",
                )
            if status == 403:
                raise TraktUserError("private", "That Trakt profile is private.")
            if status == 404:
                raise TraktUserError("unknown_user", "Trakt has no user by that name.")
            if status == 429:
                raise TraktUserError("rate_limited", "Trakt asks to slow down: try again in a few minutes.")
            if status != 200 or not isinstance(data, list):
                log.warning("event=trakt_history_failed status=%s", status)
                raise TraktUserError("unavailable", "Trakt cannot list the history right now: try again in a moment.")
            items.extend(data)
            try:
                page_count = int(headers.get("X-Pagination-Page-Count", "1"))
            except ValueError:
                page_count = 1
            if page >= page_count:
                break
            page += 1
        return items

    async def watched(
        self, *, token: str | None = None, username: str | None = None, watchlist: bool = False
    ) -> Watched:
        """Movies and shows in a history (the member's own with `token`, a public profile's with `username`),
        and the watchlist too when asked (token only). Every item's ids become catalog ids."""
        if (token is None) == (username is None):
            raise ValueError("give a token or a username")
        base = "/sync" if token else f"/users/{_slug(username or '')}"
        paths = [f"{base}/history/movies", f"{base}/history/shows"]
        if watchlist and token:
            paths += ["/sync/watchlist/movies", "/sync/watchlist/shows"]
        ids: set[str] = set()
        titles: set[tuple[str, str]] = set()
        for path in paths:
            for item in await self._pages(path, token):
                for kind in ("movie", "show"):
                    obj = item.get(kind) if isinstance(item, dict) else None
                    if isinstance(obj, dict) and isinstance(obj.get("ids"), dict):
                        found = catalog_ids_of(kind, obj["ids"])
                        if found:
                            ids |= found
                            titles.add((kind, min(found)))
        return Watched(frozenset(ids), len(titles))


def _retry_after(headers: dict[str, str]) -> float:
    try:
        return min(max(float(headers.get("Retry-After", "1")), 0.0), 60.0)
    except ValueError:
        return 1.0


def _slug(username: str) -> str:
    """A username as a path segment: letters, digits, - _ . only (anything else cannot be a Trakt slug)."""
    cleaned = username.strip()
    if not cleaned or len(cleaned) > 64 or not all(c.isalnum() or c in "-_." for c in cleaned):
        raise TraktUserError("unknown_user", "Trakt has no user by that name.")
    return cleaned


class HistoryCache:
    """What each history held, kept `ttl_s` seconds: a page of answers costs no Trakt request, and a member asking
    again and again stays far inside Trakt's 1,000 requests per 5 minutes."""

    def __init__(self, ttl_s: float = HISTORY_TTL_S, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[tuple, tuple[float, Watched]] = {}
        self._locks: dict[tuple, asyncio.Lock] = {}

    async def get(self, key: tuple, fetch: Callable[[], Awaitable[Watched]]) -> Watched:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one fetch per key at a time: concurrent answers share it
            hit = self._entries.get(key)
            if hit is not None and self.clock() - hit[0] < self.ttl_s:
                return hit[1]
            watched = await fetch()
            self._entries[key] = (self.clock(), watched)
            return watched

    def forget(self, key_prefix: Iterable[Any]) -> None:
        prefix = tuple(key_prefix)
        for key in [k for k in self._entries if k[: len(prefix)] == prefix]:
            del self._entries[key]


class MemberLinks:
    """Members' Trakt links: sealed in the member store, refreshed before expiry, their histories cached.

    Every method takes the member whose link it uses, and reads only that member's row: no call reads or uses
    another member's link. Tokens are opened only in memory, for one request."""

    def __init__(
        self, trakt: TraktUser, box: TokenBox | None, store: MemberStore, cache: HistoryCache | None = None
    ) -> None:
        self.trakt = trakt
        self.box = box  # None: MORELIKE_SECRET_KEY unset, so nothing can be stored and linking is refused
        self.store = store
        self.cache = cache or HistoryCache(clock=trakt.clock)

    def _box(self) -> TokenBox:
        if self.box is None:
            raise TraktUserError(
                "no_key", f"Linking Trakt accounts is off: this bot's owner has not set {SECRET_KEY_ENV}."
            )
        return self.box

    async def save(self, member: int, tokens: Tokens) -> None:
        from morelike.members import SealedLink

        await self.store.save_link(member, SealedLink(self._box().seal(tokens), tokens.expires_at))
        self.cache.forget((member,))

    async def tokens(self, member: int) -> Tokens | None:
        """The member's tokens, refreshed (and stored again) when due; None when they have no link."""
        link = await self.store.link(member)
        if link is None:
            return None
        box = self._box()
        tokens = box.open(link.sealed)
        if tokens.due(self.trakt.clock()):
            try:
                tokens = await self.trakt.refresh(tokens)
            except TraktUserError as exc:
                if exc.reason == "revoked":  # dead on Trakt's side: forget it here too
                    await self.store.delete_link(member)
                raise
            await self.save(member, tokens)
        return tokens

    async def watched(self, member: int, *, watchlist: bool = False) -> Watched | None:
        """What the member watched (and listed), through the cache; None when they have no link."""
        tokens = await self.tokens(member)
        if tokens is None:
            return None

        async def fetch() -> Watched:
            try:
                return await self.trakt.watched(token=tokens.access_token, watchlist=watchlist)
            except TraktUserError as exc:
                if exc.reason == "revoked":
                    await self.store.delete_link(member)
                raise

        return await self.cache.get((member, watchlist), fetch)

    async def unlink(self, member: int) -> bool:
        """Revoke the member's token on Trakt (best effort) and delete the link; False when there was none."""
        link = await self.store.link(member)
        if link is None:
            return False
        try:
            if self.box is not None:
                await self.trakt.revoke(self.box.open(link.sealed))
        except TraktUserError as exc:  # unreadable or Trakt unreachable: the link goes anyway
            log.info("event=trakt_revoke_skipped reason=%s", exc.reason)
        self.cache.forget((member,))
        return await self.store.delete_link(member)


def read_token_file(path: str | os.PathLike) -> Tokens:
    """Tokens from a file: Trakt's own token answer (`access_token`, `refresh_token`, `expires_in`, `created_at`),
    as saved by any device-flow script, or this module's `Tokens.to_json`. Errors never echo the file's content."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.loads(handle.read())
        access = str(raw["access_token"])
    except OSError as exc:
        raise TraktUserError("no_token_file", f"The token file cannot be read ({exc.strerror}).") from None
    except (ValueError, KeyError, TypeError):
        raise TraktUserError("no_token_file", "The token file holds no Trakt access_token (JSON expected).") from None
    if "expires_at" in raw:
        expires = float(raw["expires_at"])
    else:
        expires = float(raw.get("created_at") or 0) + float(raw.get("expires_in") or 0)
    return Tokens(access, str(raw.get("refresh_token") or ""), expires)


async def watched_for_face(
    base_url: str,
    *,
    username: str | None = None,
    token_file: str | None = None,
    environ: dict | None = None,
    cache: HistoryCache | None = None,
) -> Watched:
    """What the REST API and the terminal leave out for a Trakt username (a public profile) or a token file: one
    fetch with the app's TRAKT_CLIENT_ID. A token file's token is used as it is (refreshing it needs the app's
    secret and would rewrite the file: the device-flow script that wrote it does that). `cache` (the API's):
    a username's history is fetched once per HISTORY_TTL_S, however many requests name it."""
    env = environ if environ is not None else os.environ
    client_id = env.get("TRAKT_CLIENT_ID", "").strip()
    if not client_id:
        raise TraktUserError("not_configured", "Reading a Trakt history needs TRAKT_CLIENT_ID set.")
    trakt = TraktUser(client_id, base_url=base_url)
    if token_file is not None:
        return await trakt.watched(token=read_token_file(token_file).access_token)
    if cache is not None and username is not None:
        return await cache.get(("user", username.strip().lower()), lambda: trakt.watched(username=username))
    return await trakt.watched(username=username)
