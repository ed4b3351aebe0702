import signal
import sys

# Until main() handles SIGTERM like Ctrl-C (morelike/shutdown.py), a SIGTERM that arrives while its imports load
# exits at once (143): as PID 1 in a container an unhandled one is ignored, and `docker stop` would wait 10 s.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

from indexer.cli import main  # noqa: E402

sys.exit(main())
