"""The bot's features, one cog each, each module an extension (`async def setup(bot)`, loaded by name by the
client): a feature's commands, its texts and embeds, its buttons and selects, and what their clicks do, read in one
place. similar (/similar, /discover, "More like this" on a message: result pages), title (/title: a title's card),
hidden (/hidden), trakt (/link trakt, /unlink), help (/help).

discord.py re-executes an extension's module on every load, so no feature imports another: what they share lives
beside them (`widgets`, `text`, `filters`, `ids`), and the one thing a feature offers another (/title's "More like
this" button, the similar cog's) is reached through the bot (`bot.get_cog`). Each cog registers its own buttons and
selects when it loads (`bot.add_dynamic_items` in `cog_load`) and removes them when it unloads.
"""
