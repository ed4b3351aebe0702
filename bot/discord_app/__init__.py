"""MoreLike's Discord face: discord.py glue over the engine (`morelike.engine.Engine`).

Pure builders (`ids`, `embeds`, `layouts`) hold the logic and are tested without Discord; `flows` (what a command
or a click does), `components` (buttons and selects whose state lives in their custom_id), `cogs/` (one extension
per command) and `client` are the thin glue; `launcher.run(config)` is the entry point.
"""
