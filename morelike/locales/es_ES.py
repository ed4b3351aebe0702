"""Spanish (es-ES). Discord shows it to es-419 users too: it falls back from es-419 to es-ES by itself."""

from __future__ import annotations

from morelike.locales import Catalogue

CATALOGUE = Catalogue(
    code="es-ES",
    decimal=",",
    compact=((1_000_000, "{n} M"), (1_000, "{n} mil")),
    messages={
        "command.similar.name": "similares",
        "command.similar.description": "Películas y series parecidas a un título que elijas",
        "command.discover.name": "descubrir",
        "command.discover.description": "Películas y series que encajan con una descripción",
        "command.title.name": "ficha",
        "command.title.description": "La ficha de un título: sinopsis, valoración y reparto",
        "command.help.name": "ayuda",
        "command.help.description": "Cómo usar MoreLike",
        "option.title.name": "título",
        "option.title.description": "El título que te gustó (elígelo de la lista o escríbelo)",
        "option.card_title.description": "El título (elígelo de la lista o escríbelo)",
        "option.description.name": "descripción",
        "option.description.description": "Lo que quieres ver, con tus propias palabras",
        "option.kind.name": "tipo",
        "option.kind.description": "Solo películas o solo series",
        "option.genre.name": "género",
        "option.genre.description": "Solo títulos de este género",
        "option.exclude_genre.name": "excluir_género",
        "option.exclude_genre.description": "Ningún título de este género",
        "option.year_from.name": "año_desde",
        "option.year_from.description": "Estrenado este año o después",
        "option.year_to.name": "año_hasta",
        "option.year_to.description": "Estrenado este año o antes",
        "option.max_runtime.name": "duración_máxima",
        "option.max_runtime.description": "Como mucho estos minutos",
        "option.language.name": "idioma",
        "option.language.description": "Idioma original, un código como en, fr, ja",
        "option.min_rating.name": "nota_mínima",
        "option.min_rating.description": "Con una nota de al menos esto (de 0 a 10)",
        "option.private.name": "privado",
        "option.private.description": "Mostrar la respuesta solo a ti",
        "choice.movie": "Películas",
        "choice.show": "Series",
        "option.on.name": "en",
        "option.on.description": "Solo títulos que estaban en este servicio (catálogos de EE. UU., mediados de 2022)",
        "option.anime.name": "anime",
        "option.anime.description": "Solo anime, sin anime o mezclado (por defecto: el anime aparte)",
        "choice.only": "Solo anime",
        "choice.exclude": "Sin anime",
        "choice.include": "Anime mezclado",
        "choice.netflix": "Netflix",
        "choice.hbo-max": "HBO Max",
        "choice.hulu": "Hulu",
        "choice.disney-plus": "Disney+",
        "choice.prime-video": "Prime Video",
        "command.more_like_this.name": "Más como esto",
        "kind.movie": "Película",
        "kind.show": "Serie",
        "runtime.minutes": "{minutes} min",
        "runtime.hours": "{hours} h",
        "runtime.hours_minutes": "{hours} h {minutes} min",
        "rating": "★ {rating}/10",
        "rating.votes": "★ {rating}/10 ({votes} votos)",
        "filters.movies_only": "solo películas",
        "filters.shows_only": "solo series",
        "filters.genre": "{value}",
        "filters.no_genre": "sin {value}",
        "filters.years": "{start}–{end}",
        "filters.from_year": "desde {value}",
        "filters.until_year": "hasta {value}",
        "filters.runtime_min": "≥ {value} min",
        "filters.runtime_max": "≤ {value} min",
        "filters.language": "idioma {value}",
        "filters.rating_min": "nota ≥ {value}",
        "filters.votes_min": "≥ {value} votos",
        "results.more_like": "Parecidos a {title}",
        "results.matching": "Títulos que encajan con «{text}»",
        "results.page": "página {page}",
        "results.filters": "Filtros: {filters}",
        "results.nothing": "Nada coincide con estos filtros.",
        "results.nothing_on_page": "Nada coincide con estos filtros en esta página.",
        "results.widen": "Ajusta los filtros abajo para ampliar la búsqueda.",
        "series.title": "Misma saga",
        "series.title_count": "Misma saga · {count} títulos",
        "series.more": "…y {count} más",
        "card.no_overview": "El catálogo no tiene sinopsis de este título.",
        "card.kind": "Tipo",
        "card.runtime": "Duración",
        "card.rating": "Valoración",
        "card.genres": "Géneros",
        "card.directors": "Dirección",
        "card.cast": "Reparto",
        "card.original_title": "Título original",
        "card.language": "Idioma",
        "card.country": "País",
        "card.anime": "Anime",
        "card.watch": "Dónde estaba",
        "watch.on": "En {services} ({region}, {date})",
        "error.no_title_in_message": "No encontré ningún título en ese mensaje: prueba /{command} con el título.",
        "which.one": "¿Cuál? {count} títulos coinciden con «{text}».",
        "which.did_you_mean": "¿Querías decir {titles}? Escribe ese título para verlo.",
        "list.or": "{items} o {last}",
        "facet.director": "dir. {name}",
        "facet.lead": "con {name}",
        "facet.entry": "entrada {number}",
        "reference.imdb_id": "el id de IMDb {value}",
        "reference.imdb_page": "la página de IMDb {value}",
        "reference.movie": "la película de {site} {value}",
        "reference.show": "la serie de {site} {value}",
        "reference.title": "el título de {site} {value}",
        "button.previous": "◀ Anterior",
        "button.next": "Siguiente ▶",
        "button.more_like_this": "Más como este",
        "refine.placeholder": "Ajustar por tipo o género…",
        "refine.movies": "Solo películas",
        "refine.shows": "Solo series",
        "refine.both": "Películas y series",
        "refine.any_genre": "Cualquier género",
        "refine.genre": "Género: {genre}",
        "pick.placeholder": "Elige el título que buscas…",
        "help.title": "MoreLike: más como esto",
        "help.description": (
            "Encuentra películas y series parecidas a una que te gustó. Los resultados se basan en de qué tratan "
            "los títulos."
        ),
        "help.similar": (
            "Títulos parecidos al que elijas (escógelo de la lista mientras escribes). Filtros opcionales: "
            "{filters}. {page_size} resultados por página: usa {previous} / {next} y el menú Ajustar. "
            "`{private}: True` te muestra la respuesta solo a ti."
        ),
        "help.discover": "Títulos que encajan con una descripción, con tus propias palabras.",
        "help.title_card": "La ficha de un título: sinopsis, valoración y reparto.",
        "help.footer": "¿Varios títulos con el mismo nombre? Te preguntaré «¿Cuál?».",
        "error.unknown_reference": (
            "Ningún título del catálogo tiene {reference}. Puede que el catálogo conozca ese título por otra "
            "fuente: escribe su nombre."
        ),
        "error.unknown_genre": (
            "Género desconocido «{genre}» en {option}. Elige uno de la lista que aparece mientras escribes."
        ),
        "error.no_match": "Ningún título coincide con «{text}».",
        "error.no_match_suggest": "¿Querías decir alguno de estos?",
        "error.no_match_pick": "Elige uno de la lista que aparece mientras escribes el título.",
        "error.no_match_spelling": (
            "Revisa la ortografía o elige un título de la lista que aparece mientras escribes."
        ),
        "error.stale": (
            "Este mensaje está desactualizado: el catálogo o el bot han cambiado desde que se envió. Vuelve a usar "
            "el comando para obtener resultados nuevos."
        ),
        "error.wrong_option": (
            "{option} admite {wants}, no {value}: vuelve a usar /{command} y elige o escribe su valor."
        ),
        "error.missing_option": "/{command} necesita la opción {option}: vuelve a usarlo y rellénala.",
        "error.garbled": "Ese /{command} llegó dañado: vuelve a usarlo desde la lista de comandos de Discord.",
        "error.cooldown": "¡Con calma! Podrás volver a usar /{command} dentro de {seconds} s.",
        "error.internal": "Algo ha fallado por mi parte al responder. Inténtalo de nuevo en un momento.",
        "error.unavailable": "MoreLike no puede responder a eso ahora mismo. Inténtalo de nuevo en un momento.",
        "error.years_swapped": (
            "{year_from} ({start}) es posterior a {year_to} ({end}): intercámbialos o deja uno de los dos vacío."
        ),
        "error.genre_twice": "«{genre}» está a la vez en {genre_option} y en {exclude_option}: quédate con uno.",
        "error.language_code": "{option} admite un código de dos letras como en, fr o ja, no «{text}».",
        "error.page_too_far": (
            "Esa página va más allá de los primeros 1000 resultados: acota la búsqueda con filtros."
        ),
        "error.bad_filter": (
            "{option} tiene un valor que esta búsqueda no puede usar: cámbialo y vuelve a usar el comando."
        ),
        "error.unfilterable": (
            "{option} no puede filtrar por «{value}»: elige un valor de la lista que aparece mientras escribes."
        ),
        "error.too_many_filters": (
            "Son más filtros de los que caben en los botones de una lista de resultados: quita uno o dos."
        ),
        "wants.text": "texto",
        "wants.whole_number": "un número entero",
        "wants.number": "un número",
        "wants.boolean": "True o False",
        "wants.id": "un id",
        "wants.one_of": "una de estas opciones: {choices}",
        "wants.characters": "de {low} a {high} caracteres de texto",
        "wants.range": "{wants} de {low} a {high}",
        "value.nothing": "nada",
        "value.number": "el número {number}",
        "value.text": "el texto «{text}»",
        "value.long_text": "el texto «{text}» ({length} caracteres)",
        "value.list": "una lista",
        "value.object": "un objeto",
        "value.unknown": "un valor de tipo desconocido",
        "why.genres": "en común: {genres}",
        "why.director": "misma dirección: {name}",
        "why.cast": "también con {names}",
        "why.series": "misma saga",
        "why.franchise": "misma franquicia",
        "why.era": "también de los años {decade}",
        "why.known": "popular ({votes} votos, {rating}/10)",
        "why.known_unrated": "popular ({votes} votos)",
        "why.story": "historia parecida al {pct} %",
        "why.description": "coincide al {pct} % con tu descripción",
        "terminal.more_like": "Parecidos a {title} — {facts}",
        "terminal.more": "(más: --page {page})",
        "terminal.series": "Misma saga:",
        "terminal.titles_for": "Títulos para {text}:",
        "terminal.taking_best": "Tomo la mejor coincidencia para {text}: {title} (--first).",
        "terminal.could_be": "{text} puede ser varios títulos:",
        "terminal.did_you_mean": "¿Querías decir {titles}? Pide ese título.",
        "terminal.which_one": "¿Cuál? [1-{count}] ",
        "terminal.no_answer": "Sin respuesta en stdin: tomo la mejor coincidencia, {title}.",
        "terminal.not_a_choice": "{answer} no es una de las opciones 1-{count}",
        "terminal.answer_with_number": "Responde con un número del 1 al {count}.",
        "terminal.no_match": (
            "Ningún título coincide con {text}. Revisa la ortografía o prueba con un id o URL de IMDb."
        ),
        # ---- "Not for me" and /hidden (issue 21)
        "command.hidden.name": "ocultos",
        "command.hidden.description": "Los títulos que marcaste como «No es para mí», para recuperar cualquiera",
        "hide.placeholder": "No es para mí: ocultar un título de mis respuestas…",
        "hide.done": "«{title}» queda oculto en tus respuestas a partir de ahora: /hidden lo recupera.",
        "hidden.none": (
            "No has ocultado ningún título. Elige uno en el menú «No es para mí» bajo una lista de resultados."
        ),
        "hidden.intro": (
            "Títulos que marcaste como «No es para mí», fuera de todas tus respuestas. Elige uno en el menú "
            "para volver a verlo."
        ),
        "hidden.title": "Ocultos en tus respuestas: {count}",
        "hidden.footer": "Página {page} de {pages}",
        "hidden.restore_placeholder": "Volver a mostrar un título en mis respuestas…",
        "hidden.restored": "«{title}» vuelve a estar en tus respuestas.",
        # ---- a member's Trakt account: /link trakt, /unlink, hide: (issue 21)
        "command.link.name": "vincular",
        "command.link.description": "Vincula una cuenta tuya a MoreLike",
        "command.link_trakt.name": "trakt",
        "command.link_trakt.description": "Vincula tu cuenta de Trakt para dejar fuera lo que ya has visto",
        "command.unlink.name": "desvincular",
        "command.unlink.description": "Desvincula tu cuenta de Trakt y revoca el acceso de MoreLike",
        "option.hide_watched.name": "ocultar_vistos",
        "option.hide_watched.description": "Dejar fuera lo que has visto en todas tus respuestas (por defecto: sí)",
        "option.hide.name": "ocultar",
        "option.hide.description": "Dejar fuera lo que has visto en Trakt (requiere /link trakt)",
        "choice.watched": "Lo que he visto",
        "choice.watchlist": "Lo que he visto y mi lista de pendientes",
        "choice.nothing": "Nada",
        "link.instructions": (
            "Ve a {url} e introduce el código **{code}** en menos de {minutes} min. Este mensaje cambiará "
            "cuando lo hagas."
        ),
        "link.linked": (
            "Tu cuenta de Trakt está vinculada. Añade ocultar: Lo que he visto a /similar para dejar fuera lo visto."
        ),
        "link.linked_hiding": (
            "Tu cuenta de Trakt está vinculada: lo que has visto queda fuera de tus respuestas a partir de ahora."
        ),
        "link.not_configured": (
            "Este bot no tiene una aplicación de Trakt configurada, así que no puede leer cuentas de Trakt."
        ),
        "link.not_linked": "No tienes ninguna cuenta de Trakt vinculada: /link trakt vincula una.",
        "link.unlinked": "Tu cuenta de Trakt está desvinculada y el acceso de MoreLike, revocado.",
        "link.hidden_count": "Títulos fuera por vistos en Trakt: {count}.",
        "link.hidden_none": (
            "Nada de lo que has visto en Trakt está en el catálogo, así que no se ha dejado nada fuera."
        ),
        "link.error.invalid": "Trakt ya no reconoce ese código: ejecuta /link trakt de nuevo.",
        "link.error.used": "Ese código ya se usó: ejecuta /link trakt de nuevo.",
        "link.error.expired": "El código caducó antes de introducirlo: ejecuta /link trakt de nuevo.",
        "link.error.denied": "Se rechazó la vinculación en Trakt, así que no se ha vinculado nada.",
        "link.error.revoked": "Tu vinculación con Trakt se revocó o caducó: ejecuta /link trakt de nuevo.",
        "link.error.private": "Ese perfil de Trakt es privado.",
        "link.error.unknown_user": "Trakt no tiene ningún usuario con ese nombre.",
        "link.error.rate_limited": "Trakt pide ir más despacio: inténtalo de nuevo en unos minutos.",
        "link.error.unavailable": "No se puede contactar con Trakt ahora mismo: inténtalo de nuevo en un momento.",
        "link.error.no_key": (
            "La vinculación con Trakt está desactivada: quien administra este bot no ha definido MORELIKE_SECRET_KEY."
        ),
    },
)
