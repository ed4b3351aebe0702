"""Trakt's member-side endpoints for the fake Trakt (tests/fakes/trakt_server.py): OAuth device flow, token
refresh and revocation, /sync/history, /sync/watchlist and public /users/{id}/history, as Trakt's API documents
them (trakt.docs.apiary.io "Authentication - Devices", "Authentication - OAuth", "Sync", "Users"; contracts in
github.com/trakt/trakt-api). Faults (400/401/429 answers) come from the server's own `fail()`.

Device codes are driven by the test: `approve(user_code, user)`, `deny(user_code)`, `expire(user_code)`; until then
a poll is 400 (pending). Tokens are random strings; `expire_token` and a revocation make them 401.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEVICE_EXPIRES_IN = 600
DEVICE_INTERVAL = 5
TOKEN_EXPIRES_IN = 86_400  # Trakt's access tokens now last 24 hours


@dataclass
class Device:
    device_code: str
    user_code: str
    state: str = "pending"  # pending | approved | denied | expired | used
    user: str | None = None


@dataclass
class Account:
    """One Trakt user: what they watched and listed (Trakt's item shapes), and whether the profile is private."""

    movies: list[dict] = field(default_factory=list)  # {"title", "year", "ids": {...}}
    shows: list[dict] = field(default_factory=list)
    watchlist_movies: list[dict] = field(default_factory=list)
    watchlist_shows: list[dict] = field(default_factory=list)
    private: bool = False


class TraktAccounts:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.devices: dict[str, Device] = {}  # by device_code
        self.accounts: dict[str, Account] = {}
        self.access: dict[str, str] = {}  # access token -> user
        self.refresh: dict[str, str] = {}  # refresh token -> user
        self.revoked: list[str] = []
        self.bodies: list[dict] = []  # every OAuth request body, for the tests' checks

    # -- control -------------------------------------------------------------------------------------------------
    def account(self, user: str) -> Account:
        return self.accounts.setdefault(user, Account())

    def _device(self, user_code: str) -> Device:
        return next(d for d in self.devices.values() if d.user_code == user_code)

    def approve(self, user_code: str, user: str) -> None:
        device = self._device(user_code)
        device.state, device.user = "approved", user
        self.account(user)

    def deny(self, user_code: str) -> None:
        self._device(user_code).state = "denied"

    def expire(self, user_code: str) -> None:
        self._device(user_code).state = "expired"

    def expire_token(self, access_token: str) -> None:
        self.access.pop(access_token, None)

    def _issue(self, user: str) -> dict:
        access, refresh = secrets.token_hex(32), secrets.token_hex(32)
        self.access[access], self.refresh[refresh] = user, user
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": TOKEN_EXPIRES_IN,
            "refresh_token": refresh,
            "scope": "public",
            "created_at": 1_700_000_000,
        }

    def install(self, router: web.UrlDispatcher, paginate) -> None:
        self._paginate = paginate
        router.add_post("/oauth/device/code", self._device_code)
        router.add_post("/oauth/device/token", self._device_token)
        router.add_post("/oauth/token", self._token)
        router.add_post("/oauth/revoke", self._revoke)
        router.add_get("/sync/history/{kind:movies|shows}", self._sync_history)
        router.add_get("/sync/watchlist/{kind:movies|shows}", self._sync_watchlist)
        router.add_get("/users/{user}/history/{kind:movies|shows}", self._user_history)

    # -- OAuth ---------------------------------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> dict:
        try:
            body = await request.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        self.bodies.append(body)
        return body

    def _client_ok(self, body: dict, secret: bool = True) -> bool:
        return body.get("client_id") == self.client_id and (
            not secret or body.get("client_secret") == self.client_secret
        )

    async def _device_code(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not self._client_ok(body, secret=False):
            return web.json_response({"error": "invalid_client"}, status=401)
        device = Device(secrets.token_hex(32), secrets.token_hex(4).upper())
        self.devices[device.device_code] = device
        return web.json_response(
            {
                "device_code": device.device_code,
                "user_code": device.user_code,
                "verification_url": "https://trakt.tv/activate",
                "expires_in": DEVICE_EXPIRES_IN,
                "interval": DEVICE_INTERVAL,
            }
        )

    async def _device_token(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not self._client_ok(body):
            return web.json_response({"error": "invalid_client"}, status=401)
        device = self.devices.get(str(body.get("code")))
        if device is None:
            return web.json_response({"error": "not_found"}, status=404)
        if device.state == "pending":
            return web.Response(status=400)
        if device.state == "used":
            return web.json_response({"error": "already_used"}, status=409)
        if device.state == "expired":
            return web.json_response({"error": "expired"}, status=410)
        if device.state == "denied":
            return web.json_response({"error": "denied"}, status=418)
        device.state = "used"
        assert device.user is not None
        return web.json_response(self._issue(device.user))

    async def _token(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not self._client_ok(body) or body.get("grant_type") != "refresh_token":
            return web.json_response({"error": "invalid_client"}, status=401)
        user = self.refresh.pop(str(body.get("refresh_token")), None)
        if user is None:
            return web.json_response({"error": "invalid_grant"}, status=401)
        return web.json_response(self._issue(user))

    async def _revoke(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not self._client_ok(body):
            return web.json_response({"error": "invalid_client"}, status=401)
        token = str(body.get("token"))
        user = self.access.pop(token, None)
        if user is not None:
            self.revoked.append(token)
            for refresh in [r for r, u in self.refresh.items() if u == user]:
                del self.refresh[refresh]
        return web.json_response({})

    # -- history ---------------------------------------------------------------------------------------------------
    def _authed(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return self.access.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None

    @staticmethod
    def _history(kind: str, items: list[dict]) -> list[dict[str, Any]]:
        key = kind[:-1]
        if key == "movie":
            return [
                {"id": n, "watched_at": "2024-01-01T00:00:00.000Z", "action": "watch", "type": "movie", "movie": m}
                for n, m in enumerate(items, 1)
            ]
        # /history/shows lists episodes, each with its show
        return [
            {"id": n, "watched_at": "2024-01-01T00:00:00.000Z", "action": "watch", "type": "episode",
             "episode": {"season": 1, "number": 1, "title": "Pilot", "ids": {"trakt": 10_000 + n}}, "show": s}
            for n, s in enumerate(items, 1)
        ]  # fmt: skip

    async def _sync_history(self, request: web.Request) -> web.Response:
        user = self._authed(request)
        if user is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        kind = request.match_info["kind"]
        account = self.account(user)
        return self._paginate(request, self._history(kind, account.movies if kind == "movies" else account.shows))

    async def _sync_watchlist(self, request: web.Request) -> web.Response:
        user = self._authed(request)
        if user is None:
            return web.json_response({"error": "invalid_token"}, status=401)
        kind = request.match_info["kind"]
        account = self.account(user)
        items = account.watchlist_movies if kind == "movies" else account.watchlist_shows
        key = kind[:-1]
        listed = [
            {"rank": n, "listed_at": "2024-01-01T00:00:00.000Z", "type": key, key: i} for n, i in enumerate(items, 1)
        ]
        return self._paginate(request, listed)

    async def _user_history(self, request: web.Request) -> web.Response:
        account = self.accounts.get(request.match_info["user"])
        if account is None:
            return web.json_response({"error": "not_found"}, status=404)
        if account.private:
            return web.json_response({"error": "private"}, status=401)
        kind = request.match_info["kind"]
        return self._paginate(request, self._history(kind, account.movies if kind == "movies" else account.shows))
