"""A member's Trakt account (issue 21 item 1): the real client (morelike/trakt_user.py) against the fake Trakt over a
socket: the device flow with its interval, slow_down, denial, expiry and reuse; refresh before expiry; revocation;
paginated history within the rate limits; tokens sealed at rest and never in a log line."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet

from morelike.members import MemberStore, SealedLink
from morelike.trakt_user import (
    REFRESH_MARGIN_S,
    SLOW_DOWN_S,
    HistoryCache,
    TokenBox,
    Tokens,
    TraktUser,
    TraktUserError,
    catalog_ids_of,
)
from tests.fakes.trakt_server import FakeTrakt

SECRET = "test-client-secret"


class Clock:
    """Time that moves only when the client sleeps: polling is driven without waiting."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []
        self.on_sleep = None  # called with the number of sleeps so far (a test approves the code meanwhile)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.slept))


@pytest.fixture
async def trakt():
    async with FakeTrakt(client_secret=SECRET) as fake:
        yield fake


def client(fake: FakeTrakt, clock: Clock) -> TraktUser:
    return TraktUser(fake.client_id, SECRET, base_url=fake.base_url, clock=clock, sleep=clock.sleep)


def movie(title: str, year: int, **ids) -> dict:
    return {"title": title, "year": year, "ids": ids}


async def test_the_device_flow_polls_at_the_interval_slows_down_on_429_and_gets_tokens(trakt):
    clock = Clock()
    user = client(trakt, clock)
    code = await user.device_code()
    assert code.verification_url == "https://trakt.tv/activate" and code.interval == 5 and code.expires_in == 600
    assert "device_code" not in repr(code)
    trakt.fail("/oauth/device/token", status=429, times=1)  # "slow down": on the first poll
    trakt.hits.clear()

    def approve_on_fourth(n: int) -> None:
        if n == 4:
            trakt.accounts.approve(code.user_code, "alice")

    clock.on_sleep = approve_on_fourth
    tokens = await user.poll(code)
    # 429 (slower from then on), 400 (pending) twice, then approved.
    assert clock.slept == [5, 5 + SLOW_DOWN_S, 5 + SLOW_DOWN_S, 5 + SLOW_DOWN_S]
    assert trakt.hits["/oauth/device/token"] == 4
    assert trakt.accounts.access[tokens.access_token] == "alice"
    assert tokens.expires_at == 1_700_000_000 + 86_400
    assert tokens.access_token not in repr(tokens) and tokens.refresh_token not in repr(tokens)
    with pytest.raises(TraktUserError) as used:  # a code works once
        await user.poll(code)
    assert used.value.reason == "used"


@pytest.mark.parametrize(("act", "reason"), [("deny", "denied"), ("expire", "expired")])
async def test_a_denied_or_expired_code_ends_the_flow_with_its_reason(trakt, act, reason):
    clock = Clock()
    user = client(trakt, clock)
    code = await user.device_code()
    getattr(trakt.accounts, act)(code.user_code)
    with pytest.raises(TraktUserError) as err:
        await user.poll(code)
    assert err.value.reason == reason and len(clock.slept) == 1


async def test_polling_stops_at_expires_in_and_an_unknown_code_is_invalid(trakt):
    clock = Clock()
    user = client(trakt, clock)
    code = await user.device_code()  # never approved
    with pytest.raises(TraktUserError) as err:
        await user.poll(code)
    assert err.value.reason == "expired" and sum(clock.slept) == 600 and len(clock.slept) == 120
    forged = type(code)("no-such-code", "ZZZ", code.verification_url, 600, 5)
    with pytest.raises(TraktUserError) as err:
        await user.poll(forged)
    assert err.value.reason == "invalid"


async def linked(trakt: FakeTrakt, user: TraktUser, clock: Clock, name: str = "alice") -> Tokens:
    code = await user.device_code()
    trakt.accounts.approve(code.user_code, name)
    return await user.poll(code)


async def test_tokens_are_refreshed_before_they_expire_and_a_revoked_one_is_said_plainly(trakt):
    clock = Clock()
    user = client(trakt, clock)
    tokens = await linked(trakt, user, clock)
    assert await user.fresh(tokens) is tokens  # a day from expiry: not yet
    clock.now = tokens.expires_at - REFRESH_MARGIN_S + 1
    renewed = await user.fresh(tokens)
    assert renewed.access_token != tokens.access_token and trakt.accounts.access[renewed.access_token] == "alice"
    refresh_body = trakt.accounts.bodies[-1]
    assert refresh_body["grant_type"] == "refresh_token" and refresh_body["refresh_token"] == tokens.refresh_token
    with pytest.raises(TraktUserError) as err:  # the old refresh token was used up
        await user.refresh(tokens)
    assert err.value.reason == "revoked"
    await user.revoke(renewed)
    assert renewed.access_token in trakt.accounts.revoked
    with pytest.raises(TraktUserError) as err:
        await user.watched(token=renewed.access_token)
    assert err.value.reason == "revoked"


async def test_history_is_read_across_pages_with_retry_after_honoured(trakt):
    clock = Clock()
    user = client(trakt, clock)
    tokens = await linked(trakt, user, clock)
    account = trakt.accounts.account("alice")
    account.movies = [movie(f"Film {n}", 2000, trakt=n, tmdb=1000 + n) for n in range(1, 251)]  # three pages
    account.shows = [movie("Breaking Bad", 2008, trakt=1388, imdb="tt0903747")] * 3  # one show, three episodes
    account.watchlist_movies = [movie("Heat", 1995, trakt=9, imdb="tt0113277", tmdb=949)]
    trakt.fail("/sync/history/movies", status=429, retry_after=7, page=2)
    clock.slept.clear()
    watched = await user.watched(token=tokens.access_token)
    assert watched.titles == 251
    assert {"trakt-movie-1", "tmdb-movie-1001", "trakt-movie-250", "trakt-show-1388", "imdb-tt0903747"} <= (
        watched.catalog_ids
    )
    assert "tmdb-movie-949" not in watched.catalog_ids
    assert clock.slept == [7]  # the 429's Retry-After, once
    assert trakt.page_hits("/sync/history/movies", 2) == 2
    with_list = await user.watched(token=tokens.access_token, watchlist=True)
    assert {"tmdb-movie-949", "imdb-tt0113277"} <= with_list.catalog_ids


async def test_a_public_profile_is_read_by_username_and_private_or_unknown_ones_are_said(trakt):
    user = client(trakt, Clock())
    trakt.accounts.account("bob").movies = [movie("Heat", 1995, trakt=9, tmdb=949)]
    trakt.accounts.account("carol").private = True
    assert (await user.watched(username="bob")).catalog_ids == {"trakt-movie-9", "tmdb-movie-949"}
    for name, reason in (("carol", "private"), ("nobody", "unknown_user"), ("../sync", "unknown_user")):
        with pytest.raises(TraktUserError) as err:
            await user.watched(username=name)
        assert err.value.reason == reason


async def test_the_history_cache_keeps_answers_for_its_ttl(trakt):
    clock = Clock()
    user = client(trakt, clock)
    trakt.accounts.account("bob").movies = [movie("Heat", 1995, trakt=9)]
    cache = HistoryCache(ttl_s=60, clock=clock)
    fetch = lambda: user.watched(username="bob")  # noqa: E731
    await cache.get(("user", "bob"), fetch)
    await cache.get(("user", "bob"), fetch)
    assert trakt.hits["/users/bob/history/movies"] == 1
    clock.now += 61
    await cache.get(("user", "bob"), fetch)
    assert trakt.hits["/users/bob/history/movies"] == 2


async def test_tokens_are_sealed_at_rest_and_never_logged(trakt, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    user = client(trakt, clock)
    tokens = await linked(trakt, user, clock)
    box = TokenBox(Fernet.generate_key())
    store = MemberStore(tmp_path / "members.sqlite")
    await store.save_link(7, SealedLink(box.seal(tokens), tokens.expires_at))
    await store.close()
    raw = (tmp_path / "members.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("members.sqlite-*")
    )
    assert tokens.access_token.encode() not in raw and tokens.refresh_token.encode() not in raw
    reopened = MemberStore(tmp_path / "members.sqlite")
    link = await reopened.link(7)
    assert link is not None and box.open(link.sealed) == tokens
    assert await reopened.link(8) is None  # another member has no link of theirs to read
    with pytest.raises(TraktUserError) as err:  # another key cannot open it
        TokenBox(Fernet.generate_key()).open(link.sealed)
    assert err.value.reason == "revoked"
    await reopened.close()
    clock.now = tokens.expires_at
    renewed = await user.fresh(tokens)
    await user.watched(token=renewed.access_token, watchlist=True)
    await user.revoke(renewed)
    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    for secret in (tokens.access_token, tokens.refresh_token, renewed.access_token, renewed.refresh_token, SECRET):
        assert secret not in logged


def test_no_key_no_box_and_a_bad_key_is_one_sentence():
    assert TokenBox.from_env({}) is None
    with pytest.raises(TraktUserError) as err:
        TokenBox.from_env({"MORELIKE_SECRET_KEY": "not-a-key"})
    assert err.value.reason == "no_key" and "MORELIKE_SECRET_KEY" in str(err.value)
    assert catalog_ids_of("show", {"trakt": 3, "tmdb": 5, "imdb": None}) == {"trakt-show-3", "tmdb-show-5"}
