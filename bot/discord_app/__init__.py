"""MoreLike's Discord face: discord.py glue over the engine (`morelike.engine.Engine`).

Pure builders (`ids`, `embeds`, `layouts`) hold the logic and are tested without Discord; `components` (buttons and
selects whose state lives in their custom_id), `cogs/` (one per command) and `client` are the thin glue;
`launcher.run(config)` is the entry point.
"""
