"""Taking turns to IDENTIFY: the shards of every bot process on one host, within Discord's session start limit.

Discord lets an app start `max_concurrency` gateway sessions per 5 seconds: a shard's rate-limit bucket is
`shard_id % max_concurrency`, one IDENTIFY per bucket per 5 s, and one sent sooner is answered with Invalid Session
(opcode 9) and must be sent again (developer docs, Gateway: "Identifying", "Rate Limiting", "Sharding" > "Max
Concurrency"; `max_concurrency` comes from Get Gateway Bot, 1 unless Discord raised it for a large bot). Each
IDENTIFY, refused or not, also counts toward the 1,000 session starts a day.

discord.py spaces the shards of one process 5 s apart (its `before_identify_hook`) but knows nothing of the other
processes, so processes started together (`[discord] shard_ids` "0-3" and "4-7") would identify in the same 5 s and
be refused. Here each shard reserves the next free slot of its bucket in a small file under the state dir, which
every process of the host reads and writes under an exclusive lock held for the read and the write only, then
waits for its slot on the event loop (a stop cancels the wait at once).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("bot.discord_app")

IDENTIFY_WINDOW_S = 5.0  # Discord: max_concurrency IDENTIFYs per 5 seconds
# Slots are this much further apart: Discord times an IDENTIFY when it arrives, and one sent on time may be
# delayed on its way more than the one before it was (an event loop busy starting the bot: loading the cogs and
# the engine, whose threads hold the GIL; the network).
SPARE_S = 1.0
GATE_FILE = "discord_identify.json"  # under the state dir: per bucket, the time of the last IDENTIFY slot taken


class IdentifyGate:
    """The IDENTIFY slots of the processes that share `path`: one per bucket per `IDENTIFY_WINDOW_S` (and
    `SPARE_S`)."""

    def __init__(self, path: Path, max_concurrency: int = 1, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.max_concurrency = max(1, int(max_concurrency))
        self._clock = clock

    def reserve(self, shard_id: int) -> float:
        """Take the next free slot of the shard's bucket; the seconds to wait for it (0: now)."""
        bucket = str(shard_id % self.max_concurrency)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            handle.seek(0)
            try:
                slots = json.loads(handle.read() or "{}")
            except ValueError:  # a file cut short by a crash: every bucket is free
                slots = {}
            if not isinstance(slots, dict):
                slots = {}
            now = self._clock()
            last = slots.get(bucket)
            slot = now if not isinstance(last, int | float) else max(now, last + IDENTIFY_WINDOW_S + SPARE_S)
            slots[bucket] = slot
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(slots))
        return slot - now

    async def wait_turn(self, shard_id: int) -> None:
        delay = self.reserve(shard_id)
        if delay > 0:
            log.info("event=identify_wait shard=%d seconds=%.1f", shard_id, delay)
            await asyncio.sleep(delay)
