"""MoreLike's Discord face: discord.py glue over the engine (`morelike.engine.Engine`), grouped by feature.

`cogs/` holds the features, one cog (and extension) each: its commands, texts, views and clicks together. Beside
them, what they share: `widgets` (computing and delivering an answer, "Which one?", the base of every button and
select whose state lives in its custom_id), `text` (the shared words, within Discord's limits), `filters` (the
filters' declaration as Discord options), `ids` (the custom_id wire format), `translator` (locales), `options` (the
tree's input check). `client` is the bot; `launcher.run(config)` is the entry point.
"""
