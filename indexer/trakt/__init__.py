"""The Trakt source: a full crawl of Trakt's popular lists and an incremental sync of its updates feed.

- `client`: the HTTP client (headers, retries honouring Retry-After, the per-run request cap);
- `payload`: Trakt objects mapped onto catalog rows (pure);
- `crawler`: the resumable full crawl;
- `syncer`: the incremental sync, which loses no update (malformed items are fetched again by id or keep the
  window open; titles that move between pages while the feed is read are caught by re-reading);
- `runs`: the summary, checkpoint keys and request budget they share.
"""

from indexer.trakt.client import API_VERSION, EXTENDED, NotFound, Page, TraktClient, TraktError
from indexer.trakt.crawler import crawl
from indexer.trakt.payload import parse_people, rank_popularity, trakt_title
from indexer.trakt.runs import CRAWL_KEY, SEEN_PREFIX, SINCE_KEY, SYNC_KEY, Skipped, TraktRunSummary
from indexer.trakt.syncer import sync

__all__ = [
    "API_VERSION",
    "CRAWL_KEY",
    "EXTENDED",
    "SEEN_PREFIX",
    "SINCE_KEY",
    "SYNC_KEY",
    "NotFound",
    "Page",
    "Skipped",
    "TraktClient",
    "TraktError",
    "TraktRunSummary",
    "crawl",
    "parse_people",
    "rank_popularity",
    "sync",
    "trakt_title",
]
