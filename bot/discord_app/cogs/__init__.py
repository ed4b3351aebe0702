"""One cog per command. Shared here: the per-user cooldown of /similar and /discover.

The buckets live on the bot instance (not in a decorator's closure, which would be shared by every bot in the
process), and the rate is read from `[discord]` settings at run time.
"""

from __future__ import annotations

import discord
from discord import app_commands

MAX_TRACKED = 10_000  # per-user buckets kept before the idle ones are dropped


class UserCooldowns:
    def __init__(self) -> None:
        self._buckets: dict[tuple[str, int], app_commands.Cooldown] = {}

    def hit(self, command: str, user_id: int, rate: int, per: float) -> None:
        """Count one use; raise CommandOnCooldown when the user is over `rate` uses per `per` seconds."""
        if rate <= 0:
            return
        key = (command, user_id)
        bucket = self._buckets.get(key)
        if bucket is None or (bucket.rate, bucket.per) != (rate, per):
            if len(self._buckets) >= MAX_TRACKED:
                self._buckets = {k: b for k, b in self._buckets.items() if b.get_tokens() < b.rate}
            bucket = self._buckets[key] = app_commands.Cooldown(rate, per)
        retry_after = bucket.update_rate_limit()
        if retry_after:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


def user_cooldown():
    """App-command check: `cooldown_rate` uses per `cooldown_per_s` seconds per user; rate 0 turns it off."""

    async def predicate(interaction: discord.Interaction) -> bool:
        bot = interaction.client
        settings = bot.config.discord
        name = interaction.command.name if interaction.command else "?"
        bot.cooldowns.hit(name, interaction.user.id, settings.cooldown_rate, settings.cooldown_per_s)
        return True

    return app_commands.check(predicate)
