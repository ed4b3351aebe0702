"""German (de). Addressed as "du", as Discord itself does."""

from __future__ import annotations

from morelike.locales import Catalogue

CATALOGUE = Catalogue(
    code="de",
    decimal=",",
    compact=((1_000_000, "{n} Mio."), (1_000, "{n} Tsd.")),
    messages={
        "command.similar.name": "ähnlich",
        "command.similar.description": "Filme und Serien wie ein Titel deiner Wahl",
        "command.discover.name": "entdecken",
        "command.discover.description": "Filme und Serien, die zu einer Beschreibung passen",
        "command.title.name": "steckbrief",
        "command.title.description": "Steckbrief eines Titels: Handlung, Bewertung, Besetzung",
        "command.help.name": "hilfe",
        "command.help.description": "So benutzt du MoreLike",
        "option.title.name": "titel",
        "option.title.description": "Der Titel, der dir gefallen hat (aus der Liste wählen oder eintippen)",
        "option.card_title.description": "Der Titel (aus der Liste wählen oder eintippen)",
        "option.description.name": "beschreibung",
        "option.description.description": "Was du sehen möchtest, in deinen eigenen Worten",
        "option.kind.name": "art",
        "option.kind.description": "Nur Filme oder nur Serien",
        "option.genre.name": "genre",
        "option.genre.description": "Nur Titel mit diesem Genre",
        "option.exclude_genre.name": "ohne_genre",
        "option.exclude_genre.description": "Keine Titel mit diesem Genre",
        "option.year_from.name": "ab_jahr",
        "option.year_from.description": "In diesem Jahr oder später erschienen",
        "option.year_to.name": "bis_jahr",
        "option.year_to.description": "In diesem Jahr oder früher erschienen",
        "option.max_runtime.name": "max_laufzeit",
        "option.max_runtime.description": "Höchstens so viele Minuten",
        "option.language.name": "sprache",
        "option.language.description": "Originalsprache, ein Code wie en, fr, ja",
        "option.min_rating.name": "min_bewertung",
        "option.min_rating.description": "Mindestens so gut bewertet (0 bis 10)",
        "option.private.name": "privat",
        "option.private.description": "Die Antwort nur dir zeigen",
        "choice.movie": "Filme",
        "choice.show": "Serien",
        "option.on.name": "bei",
        "option.on.description": "Nur Titel, die bei diesem Dienst liefen (US-Kataloge, Mitte 2022)",
        "option.anime.name": "anime",
        "option.anime.description": "Nur Anime, kein Anime oder gemischt (Standard: Anime getrennt)",
        "choice.only": "Nur Anime",
        "choice.exclude": "Kein Anime",
        "choice.include": "Anime gemischt",
        "choice.netflix": "Netflix",
        "choice.hbo-max": "HBO Max",
        "choice.hulu": "Hulu",
        "choice.disney-plus": "Disney+",
        "choice.prime-video": "Prime Video",
        "command.more_like_this.name": "Mehr in dieser Art",
        "kind.movie": "Film",
        "kind.show": "Serie",
        "runtime.minutes": "{minutes} Min.",
        "runtime.hours": "{hours} Std.",
        "runtime.hours_minutes": "{hours} Std. {minutes} Min.",
        "rating": "★ {rating}/10",
        "rating.votes": "★ {rating}/10 ({votes} Stimmen)",
        "filters.movies_only": "nur Filme",
        "filters.shows_only": "nur Serien",
        "filters.genre": "{value}",
        "filters.no_genre": "ohne {value}",
        "filters.years": "{start}–{end}",
        "filters.from_year": "ab {value}",
        "filters.until_year": "bis {value}",
        "filters.runtime_min": "≥ {value} Min.",
        "filters.runtime_max": "≤ {value} Min.",
        "filters.language": "Sprache {value}",
        "filters.rating_min": "Bewertung ≥ {value}",
        "filters.votes_min": "≥ {value} Stimmen",
        "results.more_like": "Ähnlich wie {title}",
        "results.matching": "Titel zu „{text}“",
        "results.page": "Seite {page}",
        "results.filters": "Filter: {filters}",
        "results.nothing": "Nichts passt zu diesen Filtern.",
        "results.nothing_on_page": "Auf dieser Seite passt nichts zu diesen Filtern.",
        "results.widen": "Verfeinere unten, um die Suche zu erweitern.",
        "series.title": "Gleiche Reihe",
        "series.title_count": "Gleiche Reihe · {count} Titel",
        "series.more": "…und {count} weitere",
        "card.no_overview": "Keine Handlung im Katalog.",
        "card.kind": "Art",
        "card.runtime": "Laufzeit",
        "card.rating": "Bewertung",
        "card.genres": "Genres",
        "card.directors": "Regie",
        "card.cast": "Besetzung",
        "card.original_title": "Originaltitel",
        "card.language": "Sprache",
        "card.country": "Land",
        "card.anime": "Anime",
        "card.watch": "Lief bei",
        "watch.on": "Bei {services} ({region}, {date})",
        "error.no_title_in_message": "Keinen Titel in dieser Nachricht gefunden: versuche /{command} mit dem Titel.",
        "which.one": "Welcher? {count} Titel passen zu „{text}“.",
        "which.did_you_mean": "Meintest du {titles}? Tippe diesen Titel ein, um ihn zu bekommen.",
        "list.or": "{items} oder {last}",
        "facet.director": "Regie: {name}",
        "facet.lead": "mit {name}",
        "facet.entry": "Eintrag {number}",
        # Dative: they follow "passt zu" in error.unknown_reference.
        "reference.imdb_id": "der IMDb-ID {value}",
        "reference.imdb_page": "der IMDb-Seite {value}",
        "reference.movie": "dem {site}-Film {value}",
        "reference.show": "der {site}-Serie {value}",
        "reference.title": "dem {site}-Titel {value}",
        "button.previous": "◀ Zurück",
        "button.next": "Weiter ▶",
        "button.more_like_this": "Mehr wie dieser",
        "refine.placeholder": "Nach Art oder Genre verfeinern…",
        "refine.movies": "Nur Filme",
        "refine.shows": "Nur Serien",
        "refine.both": "Filme und Serien",
        "refine.any_genre": "Alle Genres",
        "refine.genre": "Genre: {genre}",
        "pick.placeholder": "Wähle den gemeinten Titel…",
        "help.title": "MoreLike: mehr davon",
        "help.description": (
            "Finde Filme und Serien wie einen, der dir gefallen hat. Die Ergebnisse beruhen darauf, wovon die "
            "Titel handeln."
        ),
        "help.similar": (
            "Titel wie der, den du wählst (beim Tippen aus der Liste). Optionale Filter: {filters}. {page_size} "
            "Ergebnisse pro Seite: Nutze {previous} / {next} und das Menü zum Verfeinern. `{private}: True` zeigt "
            "die Antwort nur dir."
        ),
        "help.discover": "Titel, die zu einer Beschreibung in deinen eigenen Worten passen.",
        "help.title_card": "Steckbrief eines Titels: Handlung, Bewertung, Besetzung.",
        "help.footer": "Mehrere Titel mit demselben Namen? Du bekommst eine „Welcher?“-Auswahl.",
        "error.unknown_reference": (
            "Kein Titel im Katalog passt zu {reference}. Vielleicht kennt der Katalog diesen Titel aus einer "
            "anderen Quelle: Tippe stattdessen seinen Namen ein."
        ),
        "error.unknown_genre": (
            "Unbekanntes Genre „{genre}“ in {option}. Wähle eines aus der Liste, die beim Tippen erscheint."
        ),
        "error.no_match": "Kein Titel passt zu „{text}“.",
        "error.no_match_suggest": "Meintest du:",
        "error.no_match_pick": "Wähle einen aus der Liste, die beim Tippen des Titels erscheint.",
        "error.no_match_spelling": (
            "Prüfe die Schreibweise oder wähle einen Titel aus der Liste, die beim Tippen erscheint."
        ),
        "error.stale": (
            "Diese Nachricht ist veraltet: Der Katalog oder der Bot hat sich seit dem Senden geändert. Führe den "
            "Befehl erneut aus, um aktuelle Ergebnisse zu bekommen."
        ),
        "error.wrong_option": (
            "{option} erwartet {wants}, bekam aber {value}: Führe /{command} erneut aus und wähle oder tippe den Wert."
        ),
        "error.missing_option": (
            "/{command} braucht die Option {option}: Führe den Befehl erneut aus und fülle sie aus."
        ),
        "error.garbled": "Dieses /{command} kam beschädigt an: Führe es erneut aus der Befehlsliste von Discord aus.",
        "error.cooldown": "Nicht so schnell! Du kannst /{command} in {seconds} s wieder benutzen.",
        "error.internal": "Beim Antworten ist bei mir etwas schiefgelaufen. Bitte versuche es gleich noch einmal.",
        "error.unavailable": "MoreLike kann das gerade nicht beantworten. Bitte versuche es gleich noch einmal.",
        "error.years_swapped": (
            "{year_from} ({start}) liegt nach {year_to} ({end}): Vertausche sie oder lass eines der beiden weg."
        ),
        "error.genre_twice": (
            "„{genre}“ steht sowohl in {genre_option} als auch in {exclude_option}: Behalte nur eines davon."
        ),
        "error.language_code": "{option} erwartet einen Code aus zwei Buchstaben wie en, fr oder ja, nicht „{text}“.",
        "error.page_too_far": (
            "Diese Seite liegt hinter den ersten 1.000 Ergebnissen: Grenze die Suche lieber mit Filtern ein."
        ),
        "error.bad_filter": (
            "{option} hat einen Wert, den diese Suche nicht verwenden kann: Ändere ihn und führe den Befehl erneut aus."
        ),
        "error.unfilterable": (
            "{option} kann nicht nach „{value}“ filtern: Wähle einen Wert aus der Liste, die beim Tippen erscheint."
        ),
        "error.too_many_filters": (
            "Das sind mehr Filter, als die Schaltflächen einer Ergebnisliste tragen können: Lass einen oder zwei weg."
        ),
        "wants.text": "Text",
        "wants.whole_number": "eine ganze Zahl",
        "wants.number": "eine Zahl",
        "wants.boolean": "True oder False",
        "wants.id": "eine ID",
        "wants.one_of": "einen dieser Werte: {choices}",
        "wants.characters": "{low} bis {high} Zeichen Text",
        "wants.range": "{wants} von {low} bis {high}",
        "value.nothing": "nichts",
        "value.number": "die Zahl {number}",
        "value.text": "den Text „{text}“",
        "value.long_text": "den Text „{text}“ ({length} Zeichen)",
        "value.list": "eine Liste",
        "value.object": "ein Objekt",
        "value.unknown": "einen Wert unbekannter Art",
        "why.genres": "gemeinsam: {genres}",
        "why.director": "gleiche Regie: {name}",
        "why.cast": "ebenfalls mit {names}",
        "why.series": "gleiche Reihe",
        "why.franchise": "gleiches Franchise",
        "why.era": "ebenfalls aus den {decade}ern",
        "why.known": "bekannt ({votes} Stimmen, {rating}/10)",
        "why.known_unrated": "bekannt ({votes} Stimmen)",
        "why.story": "Handlung zu {pct} % ähnlich",
        "why.description": "passt zu {pct} % zu deiner Beschreibung",
        "terminal.more_like": "Ähnlich wie {title} — {facts}",
        "terminal.more": "(mehr: --page {page})",
        "terminal.series": "Gleiche Reihe:",
        "terminal.titles_for": "Titel zu {text}:",
        "terminal.taking_best": "Nehme den besten Treffer für {text}: {title} (--first).",
        "terminal.could_be": "{text} kann mehrere Titel meinen:",
        "terminal.did_you_mean": "Meintest du {titles}? Frag stattdessen nach diesem Titel.",
        "terminal.which_one": "Welcher? [1-{count}] ",
        "terminal.no_answer": "Keine Antwort auf stdin: Nehme den besten Treffer, {title}.",
        "terminal.not_a_choice": "{answer} ist keine der Auswahlen 1-{count}",
        "terminal.answer_with_number": "Bitte antworte mit einer Zahl von 1 bis {count}.",
        "terminal.no_match": "Kein Titel passt zu {text}. Prüfe die Schreibweise oder versuche eine IMDb-ID oder -URL.",
        # ---- "Not for me" and /hidden (issue 21)
        "command.hidden.name": "ausgeblendet",
        "command.hidden.description": "Die Titel, die du mit „Nichts für mich“ ausgeblendet hast, zum Zurückholen",
        "hide.placeholder": "Nichts für mich: einen Titel in meinen Antworten ausblenden…",
        "hide.done": "„{title}“ ist ab jetzt in deinen Antworten ausgeblendet: /hidden holt ihn zurück.",
        "hidden.none": (
            "Du hast keine Titel ausgeblendet. Wähle einen im Menü „Nichts für mich“ unter einer Ergebnisliste."
        ),
        "hidden.intro": (
            "Titel, die du mit „Nichts für mich“ markiert hast, fehlen in all deinen Antworten. Wähle einen "
            "im Menü, um ihn wieder zu sehen."
        ),
        "hidden.title": "In deinen Antworten ausgeblendet: {count}",
        "hidden.footer": "Seite {page} von {pages}",
        "hidden.restore_placeholder": "Einen Titel wieder in meinen Antworten zeigen…",
        "hidden.restored": "„{title}“ ist wieder in deinen Antworten.",
        # ---- a member's Trakt account: /link trakt, /unlink, hide: (issue 21)
        "command.link.name": "verknuepfen",
        "command.link.description": "Ein Konto von dir mit MoreLike verknüpfen",
        "command.link_trakt.name": "trakt",
        "command.link_trakt.description": "Dein Trakt-Konto verknüpfen, um Gesehenes auszulassen",
        "command.unlink.name": "trennen",
        "command.unlink.description": "Dein Trakt-Konto trennen und MoreLikes Zugriff widerrufen",
        "option.hide_watched.name": "gesehenes_ausblenden",
        "option.hide_watched.description": "Gesehenes in all deinen Antworten auslassen (Standard: ja)",
        "option.hide.name": "ausblenden",
        "option.hide.description": "Auf Trakt Gesehenes auslassen (braucht /link trakt)",
        "choice.watched": "Was ich gesehen habe",
        "choice.watchlist": "Was ich gesehen habe und meine Merkliste",
        "choice.nothing": "Nichts",
        "link.instructions": (
            "Öffne {url} und gib innerhalb von {minutes} Min. den Code **{code}** ein. Diese Nachricht "
            "ändert sich, sobald du es getan hast."
        ),
        "link.linked": (
            "Dein Trakt-Konto ist verknüpft. Füge /similar ausblenden: Was ich gesehen habe hinzu, um "
            "Gesehenes auszulassen."
        ),
        "link.linked_hiding": "Dein Trakt-Konto ist verknüpft: Gesehenes fehlt ab jetzt in deinen Antworten.",
        "link.not_configured": (
            "Für diesen Bot ist keine Trakt-App eingerichtet, daher kann er keine Trakt-Konten lesen."
        ),
        "link.not_linked": "Du hast kein Trakt-Konto verknüpft: /link trakt verknüpft eins.",
        "link.unlinked": "Dein Trakt-Konto ist getrennt und MoreLikes Zugriff widerrufen.",
        "link.hidden_count": "Als auf Trakt gesehen ausgelassene Titel: {count}.",
        "link.hidden_none": "Nichts, was du auf Trakt gesehen hast, ist im Katalog, also wurde nichts ausgelassen.",
        "link.error.invalid": "Trakt kennt diesen Code nicht mehr: führe /link trakt erneut aus.",
        "link.error.used": "Dieser Code wurde schon verwendet: führe /link trakt erneut aus.",
        "link.error.expired": "Der Code ist abgelaufen, bevor er eingegeben wurde: führe /link trakt erneut aus.",
        "link.error.denied": "Die Verknüpfung wurde auf Trakt abgelehnt, es wurde nichts verknüpft.",
        "link.error.revoked": (
            "Deine Trakt-Verknüpfung wurde widerrufen oder ist abgelaufen: führe /link trakt erneut aus."
        ),
        "link.error.private": "Dieses Trakt-Profil ist privat.",
        "link.error.unknown_user": "Trakt hat keinen Nutzer mit diesem Namen.",
        "link.error.rate_limited": "Trakt bittet um weniger Anfragen: versuche es in ein paar Minuten erneut.",
        "link.error.unavailable": "Trakt ist gerade nicht erreichbar: versuche es gleich noch einmal.",
        "link.error.no_key": (
            "Das Verknüpfen von Trakt-Konten ist aus: der Betreiber dieses Bots hat MORELIKE_SECRET_KEY nicht gesetzt."
        ),
    },
)
