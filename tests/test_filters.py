"""Each filter is declared once (a field of `Filters`, morelike/engine/types.py) and every face derives it.

The proof: `WithDecade`, a filter that exists only in this file's fixture, is a declaration and nothing else. It
appears in Discord's /similar and /discover options (typed, bounded, described), is checked by the command tree's
input check, travels in a custom_id and back, is said in the result list's filters line, is a REST query parameter
with its OpenAPI schema, a terminal flag, and the engine checks its bounds. A face with its own list of filters
fails here; and the engine's mask, the one other place a new filter needs, is checked for every real filter below.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, fields

import discord
import numpy as np
import pytest
from aiohttp.test_utils import make_mocked_request
from discord import app_commands
from discord.ext import commands

from bot import terminal
from bot.discord_app import ids
from bot.discord_app.filters import discord_filters, filter_options, filters_text, make_filters
from bot.discord_app.options import option_problem
from bot.rest import openapi
from bot.rest.params import ParamError, filter_params, filters_from, parse_params
from morelike.engine.engine import Engine
from morelike.engine.filters import DiscordOption, FilterSpec, declare, specs
from morelike.engine.search import filter_mask
from morelike.engine.snapshot import Snapshot
from morelike.engine.types import EngineError, FilterError, Filters
from morelike.i18n import ENGLISH
from tests.conftest import make_config


@dataclass(frozen=True)
class WithDecade(Filters):
    """The engine's filters and one more, declared the way `Filters` declares its own (nothing else is written for
    it: no face knows it)."""

    decade: int | None = declare(
        FilterSpec(
            "whole",
            "first year of the decade a title came out in",
            minimum=1870,
            maximum=2030,
            metavar="YEAR",
            discord=DiscordOption("decade", "d", discover=True),
            shown="filters.from_year",
        )
    )


def test_the_declaration_is_the_fields_of_filters():
    declared = specs(WithDecade)
    assert [s.field for s in declared] == [f.name for f in fields(WithDecade)]
    assert declared[-1].field == "decade" and "decade" not in {s.field for s in specs(Filters)}
    letters = [s.discord.state for s in declared if s.discord is not None]
    assert len(letters) == len(set(letters)) and ids.HIDE_KEY not in letters


def test_the_engine_checks_a_declared_filter_by_its_declaration():
    assert WithDecade(decade=1990.0).decade == 1990
    with pytest.raises(FilterError) as err:
        WithDecade(decade=1700)
    assert err.value.field == "decade" and str(err.value) == "decade must be between 1870 and 2030, got 1700"
    assert WithDecade(decade=1990).active and not WithDecade().active


# ------------------------------------------------------------------------------------------------ Discord
class Probe(commands.Cog):
    """A cog declared as the bot's own are: the filter options come from the declaration, the rest by hand."""

    @app_commands.command(name="similar", description="probe")
    @filter_options("similar", WithDecade)
    async def similar(self, interaction: discord.Interaction, title: str, private: bool = False, **filter_values):
        self.made = make_filters(filter_values, filters_type=WithDecade)

    @app_commands.command(name="discover", description="probe")
    @filter_options("discover", WithDecade)
    async def discover(self, interaction: discord.Interaction, description: str, **filter_values):
        pass


def test_a_declared_filter_is_a_discord_option_of_each_command_it_names():
    similar = {p.name: p for p in Probe.similar.parameters}
    assert list(similar) == ["title", *(s.discord.name for s in discord_filters("similar", WithDecade)), "private"]
    decade = similar["decade"]
    assert (decade.type, decade.min_value, decade.max_value) == (discord.AppCommandOptionType.integer, 1870, 2030)
    assert not decade.required and decade.description == "first year of the decade a title came out in"
    discover = [p.name for p in Probe.discover.parameters]
    assert discover == ["description", "kind", "genre", "on", "anime", "decade"]
    # The tree's input check reads the same declaration: a hand-made request past the bounds is one sentence.
    options = [{"name": "title", "type": 3, "value": "Heat"}, {"name": "decade", "type": 4, "value": 1700}]
    assert option_problem(Probe.similar, options, locale=ENGLISH).startswith(
        "decade takes a whole number from 1870 to 2030, not the number 1700"
    )


async def test_the_discord_options_a_command_gets_are_made_into_the_declared_filters():
    probe = Probe()
    given = {s.discord.name: None for s in discord_filters("similar", WithDecade)} | {"decade": 1990, "kind": "movie"}
    await Probe.similar.callback(probe, None, "Heat", **given)
    assert probe.made == WithDecade(kind="movie", decade=1990)


def test_the_rules_between_two_filters_are_said_in_the_users_words():
    with pytest.raises(EngineError, match=r"^“drama” is both the genre and the exclude_genre: keep one of them\.$"):
        make_filters({"genre": "drama", "exclude_genre": "Drama"})
    with pytest.raises(EngineError, match=r"^year_from \(2000\) is after year_to \(1990\): swap them"):
        make_filters({"year_from": 2000, "year_to": 1990})
    with pytest.raises(EngineError, match=r"^language takes a two-letter code such as en, fr or ja, not “english”\.$"):
        make_filters({"language": "english"})


def test_the_bots_own_commands_offer_exactly_the_declared_filters():
    from bot.discord_app.cogs.similar import SimilarCog

    similar = [p.name for p in SimilarCog.similar.parameters]
    assert similar == ["title", *(s.discord.name for s in discord_filters("similar")), "private", "hide"]
    discover = [p.name for p in SimilarCog.discover.parameters]
    assert discover == ["description", *(s.discord.name for s in discord_filters("discover")), "private"]


def test_a_declared_filter_rides_in_a_custom_id_and_back():
    ref = "abcdefghij"
    filters = WithDecade(kind="movie", genres=("crime",), decade=1990)
    assert ids.encode_filters(filters) == "km,gcrime,d1990"
    custom_id = ids.similar_id(ref, 2, filters, "watched")
    match = re.fullmatch(ids.SIMILAR_TEMPLATE, custom_id)
    assert match and ids.decode_filters(match["filters"], WithDecade) == filters
    assert ids.decode_hide(match["filters"]) == "watched"
    # A custom_id sent before the filter existed still decodes: the new filter is unset.
    assert ids.decode_filters("km,gcrime", WithDecade) == WithDecade(kind="movie", genres=("crime",))
    with pytest.raises(ids.StateError):
        ids.decode_filters("d1700", WithDecade)  # out of the declared bounds
    with pytest.raises(ids.StateError):
        ids.decode_filters("d1990")  # the engine's own filters carry no `d`


def test_a_declared_filter_is_said_in_the_results_filters_line():
    assert filters_text(WithDecade(kind="show", decade=1990)) == "shows only · from 1990"


# ------------------------------------------------------------------------------------------------ REST
def test_a_declared_filter_is_a_rest_parameter_with_its_schema():
    params = {p.name: p for p in filter_params(WithDecade)}
    assert list(params) == [s.name for s in specs(WithDecade)] and "decade" not in {p.name for p in filter_params()}
    decade = openapi.param_object(params["decade"])
    assert decade["schema"] == {"type": "integer", "minimum": 1870, "maximum": 2030}
    assert decade["description"] == "first year of the decade a title came out in"
    parsed = parse_params(make_mocked_request("GET", "/?decade=1990&kind=movie"), tuple(params.values()))
    assert filters_from(parsed, ["crime"], WithDecade) == WithDecade(kind="movie", decade=1990)
    with pytest.raises(ParamError) as err:
        parse_params(make_mocked_request("GET", "/?decade=1700"), tuple(params.values()))
    assert (err.value.parameter, err.value.message) == ("decade", "must be at least 1870, got 1700")


# ------------------------------------------------------------------------------------------------ terminal
def test_a_declared_filter_is_a_terminal_flag():
    parser = argparse.ArgumentParser()
    terminal.add_filter_arguments(parser, WithDecade)
    assert "--decade YEAR" in parser.format_help()
    args = parser.parse_args(["--decade", "1990", "--kind", "show"])
    assert terminal.filters_from_args(args, ["crime"], WithDecade) == WithDecade(kind="show", decade=1990)
    with pytest.raises(terminal.UsageError, match=r"^--decade must be between 1870 and 2030, got 1700$"):
        terminal.filters_from_args(parser.parse_args(["--decade", "1700"]), ["crime"], WithDecade)


# ------------------------------------------------------------------------------------------------ the engine
def _narrowing_values(spec: FilterSpec, snap: Snapshot) -> list:
    """Values of a filter of which at least one must leave some title out."""
    if spec.type == "choice":
        values = [spec.choices[0]]
    elif spec.type == "genre":
        values = [snap.genre_names[0]]
    elif spec.type == "language":
        values = ["xx"]
    else:
        values = [spec.minimum, spec.maximum]
    return [(v,) if spec.many else v for v in values]


def _narrows(snap: Snapshot, filters: Filters) -> bool:
    mask = filter_mask(snap, filters)
    return mask is not None and not bool(np.all(mask))


def test_the_engines_mask_handles_every_declared_filter(small_published):
    """The one place besides the declaration a new filter needs: its mask. A declared filter the mask ignores lets
    every title through, which this catches (as it does for the fixture's filter, which no mask knows)."""
    snap = Engine.open(make_config(small_published)).snapshot
    for spec in specs(Filters):
        made = [Filters(**{spec.field: v}) for v in _narrowing_values(spec, snap)]
        assert any(_narrows(snap, f) for f in made), f"filter_mask ignores {spec.field}"
    decade = specs(WithDecade)[-1]
    assert not any(_narrows(snap, WithDecade(decade=v)) for v in _narrowing_values(decade, snap))
