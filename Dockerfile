# MoreLike: CPU image. Model and catalog are inside the image; nothing is downloaded at run time.
#   docker build -t morelike .
#   docker run --rm -e DISCORD_TOKEN=... morelike            # the Discord bot
#   docker run --rm -p 8080:8080 morelike api --host 0.0.0.0 # the REST API
#   docker run --rm -it morelike ask "Now You See Me"        # the terminal face
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /app

# The CPU build of torch first: the default PyPI wheel would pull gigabytes of CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

# Dependencies before sources, so code changes don't reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
COPY indexer/__init__.py indexer/__init__.py
RUN pip install . && pip uninstall -y morelike

COPY bot ./bot
COPY indexer ./indexer
RUN pip install --no-deps .
COPY bot.toml ./
COPY data ./data
COPY docker/entrypoint.sh /usr/local/bin/morelike-entrypoint

RUN useradd --create-home --uid 10001 morelike && mkdir -p /app/var && chown -R morelike /app/var
USER morelike

# Build the index into the image (set --build-arg BUILD_INDEX=0 to build it at first start instead, e.g. when
# /app/var is a volume).
ARG BUILD_INDEX=1
RUN if [ "$BUILD_INDEX" = "1" ]; then python -m indexer --no-progress build; fi

EXPOSE 8080
ENTRYPOINT ["morelike-entrypoint"]
CMD ["run"]
