"""English (en-US): the source of every message, and what any locale without a translation reads."""

from __future__ import annotations

from morelike.locales import Catalogue

CATALOGUE = Catalogue(
    code="en-US",
    decimal=".",
    compact=((1_000_000, "{n}M"), (1_000, "{n}k")),
    messages={
        # ---- Discord's command picker. Names: 1-32 characters, lowercase, Discord's name pattern; the English ones
        # are the commands' and options' own names (what interactions carry). Descriptions and choices: 1-100.
        "command.similar.name": "similar",
        "command.similar.description": "Movies and shows like a title you pick",
        "command.discover.name": "discover",
        "command.discover.description": "Movies and shows matching a description",
        "command.title.name": "title",
        "command.title.description": "One title's card: overview, rating, cast",
        "command.help.name": "help",
        "command.help.description": "How to use MoreLike",
        "option.title.name": "title",
        "option.title.description": "The title you liked (pick from the list, or type it)",
        "option.card_title.description": "The title (pick from the list, or type it)",
        "option.description.name": "description",
        "option.description.description": "What you want to watch, in your own words",
        "option.kind.name": "kind",
        "option.kind.description": "Only movies or only shows",
        "option.genre.name": "genre",
        "option.genre.description": "Only titles with this genre",
        "option.exclude_genre.name": "exclude_genre",
        "option.exclude_genre.description": "No titles with this genre",
        "option.year_from.name": "year_from",
        "option.year_from.description": "Released in or after this year",
        "option.year_to.name": "year_to",
        "option.year_to.description": "Released in or before this year",
        "option.max_runtime.name": "max_runtime",
        "option.max_runtime.description": "At most this many minutes",
        "option.language.name": "language",
        "option.language.description": "Original language, a code such as en, fr, ja",
        "option.min_rating.name": "min_rating",
        "option.min_rating.description": "Rated at least this (0 to 10)",
        "option.private.name": "private",
        "option.private.description": "Show the answer to you only",
        "choice.movie": "Movies",
        "choice.show": "Shows",
        # ---- facts about a title
        "kind.movie": "Movie",
        "kind.show": "Show",
        "runtime.minutes": "{minutes} min",
        "runtime.hours": "{hours} h",
        "runtime.hours_minutes": "{hours} h {minutes} min",
        "rating": "★ {rating}/10",
        "rating.votes": "★ {rating}/10 ({votes} votes)",
        # ---- the active filters, one short line
        "filters.movies_only": "movies only",
        "filters.shows_only": "shows only",
        "filters.no_genre": "no {genre}",
        "filters.years": "{start}–{end}",
        "filters.from_year": "from {year}",
        "filters.until_year": "until {year}",
        "filters.runtime_min": "≥ {minutes} min",
        "filters.runtime_max": "≤ {minutes} min",
        "filters.language": "language {language}",
        "filters.rating_min": "rated ≥ {rating}",
        "filters.votes_min": "≥ {votes} votes",
        # ---- a page of results
        "results.more_like": "More like {title}",
        "results.matching": "Titles matching “{text}”",
        "results.page": "page {page}",
        "results.filters": "Filters: {filters}",
        "results.nothing": "Nothing matches these filters.",
        "results.nothing_on_page": "Nothing matches these filters on this page.",
        "results.widen": "Refine below to widen the search.",
        "series.title": "Same series",
        "series.title_count": "Same series · {count} titles",
        "series.more": "…and {count} more",
        # ---- one title's card (field names)
        "card.no_overview": "No overview in the catalog.",
        "card.kind": "Kind",
        "card.runtime": "Runtime",
        "card.rating": "Rating",
        "card.genres": "Genres",
        "card.directors": "Directed by",
        "card.cast": "Cast",
        "card.original_title": "Original title",
        "card.language": "Language",
        "card.country": "Country",
        # ---- "Which one?" and what tells same-named entries apart
        "which.one": "Which one? {count} titles match “{text}”.",
        "which.did_you_mean": "Did you mean {titles}? Type that title to get it.",
        "list.or": "{items} or {last}",
        "facet.director": "dir. {name}",
        "facet.lead": "with {name}",
        "facet.entry": "entry {number}",
        # ---- an id or link to another site, as a sentence names it
        "reference.imdb_id": "the IMDb id {value}",
        "reference.imdb_page": "the IMDb page {value}",
        "reference.movie": "the {site} movie {value}",
        "reference.show": "the {site} show {value}",
        "reference.title": "the {site} title {value}",
        # ---- buttons and menus (labels up to 80 characters, placeholders up to 150)
        "button.previous": "◀ Previous",
        "button.next": "Next ▶",
        "button.more_like_this": "More like this",
        "refine.placeholder": "Refine by kind or genre…",
        "refine.movies": "Movies only",
        "refine.shows": "Shows only",
        "refine.both": "Movies and shows",
        "refine.any_genre": "Any genre",
        "refine.genre": "Genre: {genre}",
        "pick.placeholder": "Pick the title you mean…",
        # ---- /help
        "help.title": "MoreLike: more like this",
        "help.description": "Find movies and shows like one you enjoyed. Results are based on what titles are about.",
        "help.similar": (
            "Titles like the one you pick (choose from the list while typing). Optional filters: {filters}. "
            "{page_size} results a page: use {previous} / {next} and the Refine menu. `{private}: True` shows the "
            "answer to you only."
        ),
        "help.discover": "Titles matching a description in your own words.",
        "help.title_card": "One title's card: overview, rating, cast.",
        "help.footer": "Several titles share a name? You get a “Which one?” choice.",
        # ---- bad input and failures: one sentence each
        "error.unknown_reference": (
            "No title in the catalog has {reference}. The catalog may know that title under another source: type "
            "its name instead."
        ),
        "error.unknown_genre": (
            "Unknown genre “{genre}” in {option}. Pick one from the list that appears while you type."
        ),
        "error.no_match": "No title matches “{text}”.",
        "error.no_match_suggest": "Did you mean:",
        "error.no_match_pick": "Pick one from the list that appears while you type the title.",
        "error.no_match_spelling": "Check the spelling, or pick a title from the list that appears while you type.",
        "error.stale": (
            "This message is out of date: the catalog or the bot has changed since it was sent. Run the command "
            "again for fresh results."
        ),
        "error.wrong_option": "{option} takes {wants}, not {value}: run /{command} again and pick or type its value.",
        "error.missing_option": "/{command} needs its {option} option: run it again and fill that in.",
        "error.garbled": "That /{command} arrived garbled: run it again from Discord's command list.",
        "error.cooldown": "Easy there! You can use /{command} again in {seconds} s.",
        "error.internal": "Something went wrong on my side while answering. Please try again in a moment.",
        "error.unavailable": "MoreLike cannot answer that right now. Please try again in a moment.",
        "error.years_swapped": (
            "{year_from} ({start}) is after {year_to} ({end}): swap them, or leave one of them out."
        ),
        "error.genre_twice": "“{genre}” is both the {genre_option} and the {exclude_option}: keep one of them.",
        "error.language_code": "{option} takes a two-letter code such as en, fr or ja, not “{text}”.",
        "error.page_too_far": "That page is past the first 1,000 results: narrow the search with filters instead.",
        "error.bad_filter": "{option} has a value this search cannot use: change it and run the command again.",
        "error.unfilterable": (
            "{option} cannot filter by “{value}”: pick one from the list that appears while you type."
        ),
        "error.too_many_filters": (
            "That is more filters than a result list can carry on its buttons: leave one or two out."
        ),
        # What an option's value should have been, and what it was (inside error.wrong_option).
        "wants.text": "text",
        "wants.whole_number": "a whole number",
        "wants.number": "a number",
        "wants.boolean": "True or False",
        "wants.id": "an id",
        "wants.one_of": "one of {choices}",
        "wants.characters": "{low} to {high} characters of text",
        "wants.range": "{wants} from {low} to {high}",
        "value.nothing": "nothing",
        "value.number": "the number {number}",
        "value.text": "the text “{text}”",
        "value.long_text": "the text “{text}” ({length} characters)",
        "value.list": "a list",
        "value.object": "an object",
        "value.unknown": "a value of no known kind",
        # ---- the one-line "why" under each result (morelike/engine/explain.py picks the reasons)
        "why.genres": "shared: {genres}",
        "why.director": "same director: {name}",
        "why.cast": "also stars {names}",
        "why.series": "same series",
        "why.franchise": "same franchise",
        "why.era": "also from the {decade}s",
        "why.known": "well known ({votes} votes, {rating}/10)",
        "why.known_unrated": "well known ({votes} votes)",
        "why.story": "story {pct}% alike",
        "why.description": "{pct}% match to your description",
        # ---- the terminal (`python -m bot ask|discover`)
        "terminal.more_like": "More like {title} — {facts}",
        "terminal.more": "(more: --page {page})",
        "terminal.series": "Same series:",
        "terminal.titles_for": "Titles for {text}:",
        "terminal.taking_best": "Taking the best match for {text}: {title} (--first).",
        "terminal.could_be": "{text} could be several titles:",
        "terminal.did_you_mean": "Did you mean {titles}? Ask for that title instead.",
        "terminal.which_one": "Which one? [1-{count}] ",
        "terminal.no_answer": "No answer on stdin: taking the best match, {title}.",
        "terminal.not_a_choice": "{answer} is not one of the choices 1-{count}",
        "terminal.answer_with_number": "Please answer with a number from 1 to {count}.",
        "terminal.no_match": "No title matches {text}. Check the spelling, or try an IMDb id or URL.",
        # ---- "Not for me" and /hidden (issue 21)
        "command.hidden.name": "hidden",
        "command.hidden.description": "The titles you marked “Not for me”, to bring any of them back",
        "hide.placeholder": "Not for me: hide a title from my answers…",
        "hide.done": "“{title}” is hidden from your answers from now on: /hidden brings it back.",
        "hidden.none": "You have hidden no titles. Pick one in the “Not for me” menu under a result list to hide it.",
        "hidden.intro": (
            "Titles you marked “Not for me”, left out of all your answers. Pick one in the menu to see it again."
        ),
        "hidden.title": "Hidden from your answers: {count}",
        "hidden.footer": "Page {page} of {pages}",
        "hidden.restore_placeholder": "Show a title in my answers again…",
        "hidden.restored": "“{title}” is back in your answers.",
    },
)
