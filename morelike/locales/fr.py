"""French (fr). Addressed as "vous"; a space before ":", "?" and "!" and inside « », as French typography wants."""

from __future__ import annotations

from morelike.locales import Catalogue

CATALOGUE = Catalogue(
    code="fr",
    decimal=",",
    compact=((1_000_000, "{n} M"), (1_000, "{n} k")),
    messages={
        "command.similar.name": "similaires",
        "command.similar.description": "Films et séries proches d'un titre de votre choix",
        "command.discover.name": "découvrir",
        "command.discover.description": "Films et séries correspondant à une description",
        "command.title.name": "fiche",
        "command.title.description": "La fiche d'un titre : synopsis, note, distribution",
        "command.help.name": "aide",
        "command.help.description": "Comment utiliser MoreLike",
        "option.title.name": "titre",
        "option.title.description": "Le titre que vous avez aimé (choisissez-le dans la liste ou tapez-le)",
        "option.card_title.description": "Le titre (choisissez-le dans la liste ou tapez-le)",
        "option.description.name": "description",
        "option.description.description": "Ce que vous voulez regarder, avec vos mots",
        "option.kind.name": "type",
        "option.kind.description": "Seulement des films ou seulement des séries",
        "option.genre.name": "genre",
        "option.genre.description": "Seulement les titres de ce genre",
        "option.exclude_genre.name": "exclure_genre",
        "option.exclude_genre.description": "Aucun titre de ce genre",
        "option.year_from.name": "année_min",
        "option.year_from.description": "Sorti cette année-là ou après",
        "option.year_to.name": "année_max",
        "option.year_to.description": "Sorti cette année-là ou avant",
        "option.max_runtime.name": "durée_max",
        "option.max_runtime.description": "Au plus ce nombre de minutes",
        "option.language.name": "langue",
        "option.language.description": "Langue originale, un code comme en, fr, ja",
        "option.min_rating.name": "note_min",
        "option.min_rating.description": "Une note d'au moins ce nombre (de 0 à 10)",
        "option.private.name": "privé",
        "option.private.description": "N'afficher la réponse qu'à vous",
        "choice.movie": "Films",
        "choice.show": "Séries",
        "option.on.name": "sur",
        "option.on.description": "Seulement les titres présents sur ce service (catalogues US, mi-2022)",
        "option.anime.name": "anime",
        "option.anime.description": "Anime seulement, sans anime, ou mélangé (par défaut : l'anime à part)",
        "choice.only": "Anime seulement",
        "choice.exclude": "Sans anime",
        "choice.include": "Anime mélangé",
        "choice.netflix": "Netflix",
        "choice.hbo-max": "HBO Max",
        "choice.hulu": "Hulu",
        "choice.disney-plus": "Disney+",
        "choice.prime-video": "Prime Video",
        "command.more_like_this.name": "Plus comme ça",
        "kind.movie": "Film",
        "kind.show": "Série",
        "runtime.minutes": "{minutes} min",
        "runtime.hours": "{hours} h",
        "runtime.hours_minutes": "{hours} h {minutes}",
        "rating": "★ {rating}/10",
        "rating.votes": "★ {rating}/10 ({votes} votes)",
        "filters.movies_only": "films uniquement",
        "filters.shows_only": "séries uniquement",
        "filters.genre": "{value}",
        "filters.no_genre": "sans {value}",
        "filters.years": "{start}–{end}",
        "filters.from_year": "à partir de {value}",
        "filters.until_year": "jusqu'en {value}",
        "filters.runtime_min": "≥ {value} min",
        "filters.runtime_max": "≤ {value} min",
        "filters.language": "langue {value}",
        "filters.rating_min": "note ≥ {value}",
        "filters.votes_min": "≥ {value} votes",
        "results.more_like": "Titres proches de {title}",
        "results.matching": "Titres correspondant à « {text} »",
        "results.page": "page {page}",
        "results.filters": "Filtres : {filters}",
        "results.nothing": "Rien ne correspond à ces filtres.",
        "results.nothing_on_page": "Rien ne correspond à ces filtres sur cette page.",
        "results.widen": "Affinez ci-dessous pour élargir la recherche.",
        "series.title": "Même saga",
        "series.title_count": "Même saga · {count} titres",
        "series.more": "…et {count} de plus",
        "card.no_overview": "Pas de synopsis dans le catalogue.",
        "card.kind": "Type",
        "card.runtime": "Durée",
        "card.rating": "Note",
        "card.genres": "Genres",
        "card.directors": "Réalisation",
        "card.cast": "Distribution",
        "card.original_title": "Titre original",
        "card.language": "Langue",
        "card.country": "Pays",
        "card.anime": "Anime",
        "card.watch": "Où il était",
        "watch.on": "Sur {services} ({region}, {date})",
        "error.no_title_in_message": "Aucun titre trouvé dans ce message : essayez /{command} avec le nom du titre.",
        "which.one": "Lequel ? {count} titres correspondent à « {text} ».",
        "which.did_you_mean": "Vouliez-vous dire {titles} ? Tapez ce titre pour l'obtenir.",
        "list.or": "{items} ou {last}",
        "facet.director": "réal. {name}",
        "facet.lead": "avec {name}",
        "facet.entry": "entrée {number}",
        "reference.imdb_id": "l'identifiant IMDb {value}",
        "reference.imdb_page": "la page IMDb {value}",
        "reference.movie": "le film {site} {value}",
        "reference.show": "la série {site} {value}",
        "reference.title": "le titre {site} {value}",
        "button.previous": "◀ Précédent",
        "button.next": "Suivant ▶",
        "button.more_like_this": "Plus de titres comme celui-ci",
        "refine.placeholder": "Affiner par type ou par genre…",
        "refine.movies": "Films uniquement",
        "refine.shows": "Séries uniquement",
        "refine.both": "Films et séries",
        "refine.any_genre": "Tous les genres",
        "refine.genre": "Genre : {genre}",
        "pick.placeholder": "Choisissez le titre voulu…",
        "help.title": "MoreLike : des titres dans la même veine",
        "help.description": (
            "Trouvez des films et des séries proches de ceux que vous avez aimés. Les résultats reposent sur ce "
            "que racontent les titres."
        ),
        "help.similar": (
            "Des titres proches de celui que vous choisissez (dans la liste, pendant la saisie). Filtres "
            "facultatifs : {filters}. {page_size} résultats par page : utilisez {previous} / {next} et le menu "
            "Affiner. `{private}: True` n'affiche la réponse qu'à vous."
        ),
        "help.discover": "Des titres correspondant à une description, avec vos mots.",
        "help.title_card": "La fiche d'un titre : synopsis, note, distribution.",
        "help.footer": "Plusieurs titres portent le même nom ? Vous aurez le choix « Lequel ? ».",
        "error.unknown_reference": (
            "Aucun titre du catalogue n'a {reference}. Le catalogue connaît peut-être ce titre par une autre "
            "source : tapez plutôt son nom."
        ),
        "error.unknown_genre": (
            "Genre inconnu « {genre} » dans {option}. Choisissez-en un dans la liste qui s'affiche pendant la saisie."
        ),
        "error.no_match": "Aucun titre ne correspond à « {text} ».",
        "error.no_match_suggest": "Vouliez-vous dire :",
        "error.no_match_pick": "Choisissez-en un dans la liste qui s'affiche pendant que vous tapez le titre.",
        "error.no_match_spelling": (
            "Vérifiez l'orthographe, ou choisissez un titre dans la liste qui s'affiche pendant la saisie."
        ),
        "error.stale": (
            "Ce message n'est plus à jour : le catalogue ou le bot a changé depuis son envoi. Relancez la commande "
            "pour obtenir des résultats à jour."
        ),
        "error.wrong_option": (
            "{option} attend {wants}, pas {value} : relancez /{command} et choisissez ou tapez sa valeur."
        ),
        "error.missing_option": "/{command} a besoin de son option {option} : relancez la commande en la remplissant.",
        "error.garbled": "Ce /{command} est arrivé illisible : relancez-le depuis la liste des commandes de Discord.",
        "error.cooldown": "Doucement ! Vous pourrez utiliser /{command} à nouveau dans {seconds} s.",
        "error.internal": "Une erreur s'est produite de mon côté pendant la réponse. Réessayez dans un instant.",
        "error.unavailable": "MoreLike ne peut pas répondre pour le moment. Réessayez dans un instant.",
        "error.years_swapped": (
            "{year_from} ({start}) est après {year_to} ({end}) : inversez-les, ou laissez l'une des deux vide."
        ),
        "error.genre_twice": (
            "« {genre} » est à la fois dans {genre_option} et dans {exclude_option} : gardez-en un seul."
        ),
        "error.language_code": "{option} attend un code de deux lettres comme en, fr ou ja, pas « {text} ».",
        "error.page_too_far": (
            "Cette page va au-delà des 1 000 premiers résultats : affinez plutôt la recherche avec des filtres."
        ),
        "error.bad_filter": (
            "{option} a une valeur que cette recherche ne peut pas utiliser : modifiez-la et relancez la commande."
        ),
        "error.unfilterable": (
            "{option} ne peut pas filtrer sur « {value} » : choisissez une valeur dans la liste qui s'affiche "
            "pendant la saisie."
        ),
        "error.too_many_filters": (
            "C'est plus de filtres que les boutons d'une liste de résultats ne peuvent en porter : retirez-en un "
            "ou deux."
        ),
        "wants.text": "du texte",
        "wants.whole_number": "un nombre entier",
        "wants.number": "un nombre",
        "wants.boolean": "True ou False",
        "wants.id": "un identifiant",
        "wants.one_of": "l'une de ces valeurs : {choices}",
        "wants.characters": "de {low} à {high} caractères de texte",
        "wants.range": "{wants} de {low} à {high}",
        "value.nothing": "rien",
        "value.number": "le nombre {number}",
        "value.text": "le texte « {text} »",
        "value.long_text": "le texte « {text} » ({length} caractères)",
        "value.list": "une liste",
        "value.object": "un objet",
        "value.unknown": "une valeur de type inconnu",
        "why.genres": "en commun : {genres}",
        "why.director": "même réalisation : {name}",
        "why.cast": "avec aussi {names}",
        "why.series": "même saga",
        "why.franchise": "même franchise",
        "why.era": "aussi des années {decade}",
        "why.known": "très connu ({votes} votes, {rating}/10)",
        "why.known_unrated": "très connu ({votes} votes)",
        "why.story": "histoire proche à {pct} %",
        "why.description": "correspond à {pct} % à votre description",
        "terminal.more_like": "Titres proches de {title} — {facts}",
        "terminal.more": "(suite : --page {page})",
        "terminal.series": "Même saga :",
        "terminal.titles_for": "Titres pour {text} :",
        "terminal.taking_best": "Meilleure correspondance retenue pour {text} : {title} (--first).",
        "terminal.could_be": "{text} peut désigner plusieurs titres :",
        "terminal.did_you_mean": "Vouliez-vous dire {titles} ? Demandez plutôt ce titre.",
        "terminal.which_one": "Lequel ? [1-{count}] ",
        "terminal.no_answer": "Pas de réponse sur stdin : meilleure correspondance retenue, {title}.",
        "terminal.not_a_choice": "{answer} n'est pas l'un des choix 1-{count}",
        "terminal.answer_with_number": "Répondez par un nombre de 1 à {count}.",
        "terminal.no_match": (
            "Aucun titre ne correspond à {text}. Vérifiez l'orthographe, ou essayez un identifiant ou une URL IMDb."
        ),
        # ---- "Not for me" and /hidden (issue 21)
        "command.hidden.name": "masques",
        "command.hidden.description": "Les titres marqués « Pas pour moi », pour en faire revenir un",
        "hide.placeholder": "Pas pour moi : masquer un titre de mes réponses…",
        "hide.done": "« {title} » est désormais masqué dans vos réponses : /hidden le fait revenir.",
        "hidden.none": (
            "Vous n'avez masqué aucun titre. Choisissez-en un dans le menu « Pas pour moi » sous une liste "
            "de résultats."
        ),
        "hidden.intro": (
            "Titres marqués « Pas pour moi », absents de toutes vos réponses. Choisissez-en un dans le menu "
            "pour le revoir."
        ),
        "hidden.title": "Masqués dans vos réponses : {count}",
        "hidden.footer": "Page {page} sur {pages}",
        "hidden.restore_placeholder": "Afficher de nouveau un titre dans mes réponses…",
        "hidden.restored": "« {title} » est de retour dans vos réponses.",
        # ---- a member's Trakt account: /link trakt, /unlink, hide: (issue 21)
        "command.link.name": "lier",
        "command.link.description": "Lier un de vos comptes à MoreLike",
        "command.link_trakt.name": "trakt",
        "command.link_trakt.description": "Lier votre compte Trakt, pour écarter ce que vous avez déjà vu",
        "command.unlink.name": "delier",
        "command.unlink.description": "Délier votre compte Trakt et révoquer l'accès de MoreLike",
        "option.hide_watched.name": "masquer_vus",
        "option.hide_watched.description": "Écarter ce que vous avez vu de toutes vos réponses (par défaut : oui)",
        "option.hide.name": "masquer",
        "option.hide.description": "Écarter ce que vous avez vu sur Trakt (nécessite /link trakt)",
        "choice.watched": "Ce que j'ai vu",
        "choice.watchlist": "Ce que j'ai vu et ma liste à voir",
        "choice.nothing": "Rien",
        "link.instructions": (
            "Allez sur {url} et saisissez le code **{code}** dans les {minutes} min. Ce message change une "
            "fois que c'est fait."
        ),
        "link.linked": (
            "Votre compte Trakt est lié. Ajoutez masquer : Ce que j'ai vu à /similar pour écarter ce que vous avez vu."
        ),
        "link.linked_hiding": "Votre compte Trakt est lié : ce que vous avez vu est désormais écarté de vos réponses.",
        "link.not_configured": "Ce bot n'a pas d'application Trakt configurée : il ne peut pas lire de compte Trakt.",
        "link.not_linked": "Aucun compte Trakt n'est lié : /link trakt en lie un.",
        "link.unlinked": "Votre compte Trakt est délié et l'accès de MoreLike révoqué.",
        "link.hidden_count": "Titres écartés car vus sur Trakt : {count}.",
        "link.hidden_none": "Rien de ce que vous avez vu sur Trakt n'est dans le catalogue : rien n'a été écarté.",
        "link.error.invalid": "Trakt ne reconnaît plus ce code : relancez /link trakt.",
        "link.error.used": "Ce code a déjà servi : relancez /link trakt.",
        "link.error.expired": "Le code a expiré avant d'être saisi : relancez /link trakt.",
        "link.error.denied": "La liaison a été refusée sur Trakt : rien n'a été lié.",
        "link.error.revoked": "Votre liaison Trakt a été révoquée ou a expiré : relancez /link trakt.",
        "link.error.private": "Ce profil Trakt est privé.",
        "link.error.unknown_user": "Trakt n'a aucun utilisateur de ce nom.",
        "link.error.rate_limited": "Trakt demande de ralentir : réessayez dans quelques minutes.",
        "link.error.unavailable": "Trakt est injoignable pour le moment : réessayez dans un instant.",
        "link.error.no_key": (
            "La liaison de comptes Trakt est désactivée : l'administrateur de ce bot n'a pas défini "
            "MORELIKE_SECRET_KEY."
        ),
    },
)
