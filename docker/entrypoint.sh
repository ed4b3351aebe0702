#!/bin/sh
# Build the index on first start when the image (or a fresh volume at /app/var) has none, then hand over.
set -e
if [ ! -e /app/var/published/current ]; then
    echo "morelike: no published index yet; building it from the bundled catalog (a few minutes, once)" >&2
    python -m indexer --no-progress build
fi
exec python -m bot "$@"
