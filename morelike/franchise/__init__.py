"""Series detection: which titles belong to the same franchise as a given one.

FlixRec's own showcase, "Now You See Me", returned twenty FBI films and not "Now You See Me 2", while other
franchise queries drowned in their own sequels. The catalog has no franchise data (`collection` is empty in the
bundled file), so series are read off the titles themselves:

- a stem: the normalised title before a subtitle (":" or " - "), with trailing sequel markers removed
  ("2", "III", "Part II", "Chapter 3", "Vol. 2"): "The Godfather Part II" -> "godfather";
- titles sharing a stem form a *group*; so do titles sharing two of their lead cast and directors whose content
  is close ("Harry Potter and the …" films share no stem but share three leads); the engine keeps at most one
  title per group in a result list;
- a *series stem* (a stem that two or more titles share, one of them numbered or subtitled, or a stem of three
  words or more) also names the titles whose own title starts with it, or ends with it when it has two words or
  more, when their content is close to one of its titles: "Terminator Salvation", "Godzilla vs. Hedorah",
  "A Good Day to Die Hard", "Battle for the Planet of the Apes", "The Amazing Spider-Man" (`phrase_series`);
- the wider *family* (`family_links`) joins what no title stem shows, when the stories are close: franchises that
  share a lead ("Creed" and "Rocky"), titles that share a rare title word ("2 Fast 2 Furious", "The Fate of the
  Furious") or whose synopses share a rare character name ("The Tigger Movie" and "Pooh's Heffalump Movie"); the
  ranking reads it as a feature of its own, and it is exempt from one-per-series, but it never makes a "same
  series" claim (the why line says "same franchise");
- a group member is a confirmed *sibling* of the query when the relation is strong enough to show it as "same
  series": a numbered sequel, a subtitle of a distinctive stem, a remake (same title, other year) whose content
  is close, a title named by the same series stem, or any of those backed by shared directors or lead cast; a
  shared `collection` always counts.

The stages, one module each: `titles` (a title's stem, number and subtitle), `graph` (groups, named groups, series
stems and family links over the whole catalog) and, in the engine, `morelike.engine.franchise` (a query's siblings).
"""
