# MoreLike: CPU image. Model and catalog are inside the image; nothing is downloaded at run time.
#   docker build -t morelike .                                 # full bundled catalog (slow on a small CPU)
#   docker build -t morelike --build-arg INDEX_LIMIT=400 .     # a quick trial index: the first 400 titles
#   docker run --rm -e DISCORD_TOKEN=... morelike              # the Discord bot
#   docker run --rm -p 8080:8080 morelike api --host 0.0.0.0   # the REST API
#   docker run --rm -it morelike ask "Now You See Me"          # the terminal face
# Where the PyTorch CPU index is not reachable (a mirror, a local wheel served over HTTP):
#   docker build --build-arg TORCH_INDEX_URL=https://mirror.example/whl/cpu .
#   docker build --build-arg TORCH_INDEX_URL= --build-arg TORCH_SPEC=http://172.17.0.1:8765/torch-2.13.0+cpu-....whl .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PYTHONPATH=/app

WORKDIR /app

# The CPU build of torch first (the default PyPI wheel pulls gigabytes of CUDA libraries). TORCH_SPEC is what pip
# installs (a requirement or a wheel URL); TORCH_INDEX_URL where it looks for it (empty: pip's own configuration).
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "$TORCH_SPEC"

# Dependencies before sources, so code changes don't reinstall them. They are read from pyproject.toml and
# installed directly: the project itself is not pip-installed (its code runs from /app via PYTHONPATH), so no
# build/ or *.egg-info is left behind and there is one copy of the code.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

RUN useradd --create-home --uid 10001 --user-group morelike && mkdir -p /app/var && chown morelike:morelike /app/var

# The indexer and its inputs, then the index (before the bot's code, so bot changes don't rebuild the index).
COPY bot.toml ./
COPY data ./data
COPY morelike ./morelike
COPY indexer ./indexer
USER morelike
# BUILD_INDEX=0: build at first start instead (e.g. when /app/var is a volume). INDEX_LIMIT=N: only the first N
# titles of the catalog (a quick trial image; first-start builds use it too).
# The image keeps the published index only: the indexer's working store (var/morelike.sqlite, 114 MB for the whole
# catalog: every title again plus its cached vector) serves nothing and only spares a rebuild the re-encoding,
# which the default static model does in seconds. It is removed in the same layer, so no layer carries it.
ARG BUILD_INDEX=1
ARG INDEX_LIMIT=
ENV MORELIKE_INDEX_LIMIT=$INDEX_LIMIT
RUN if [ "$BUILD_INDEX" = "1" ]; then \
        python -m indexer build ${INDEX_LIMIT:+--limit "$INDEX_LIMIT"} \
        && rm -f /app/var/morelike.sqlite /app/var/morelike.sqlite-wal /app/var/morelike.sqlite-shm; \
    fi

COPY bot ./bot
COPY docker/entrypoint.py /usr/local/bin/morelike-entrypoint

EXPOSE 8080
# The entrypoint execs the command, so the bot or the API is PID 1 and gets `docker stop`'s SIGTERM itself.
ENTRYPOINT ["morelike-entrypoint"]
CMD ["run"]
