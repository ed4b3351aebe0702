#!/usr/bin/env bash
# Build the image and check what an operator relies on, with real containers:
#   - it runs as a non-root user (uid 10001), with no build leftovers and no telemetry files in its home;
#   - it carries the published index but not the indexer's working store (only a rebuild would use it);
#   - `ask` answers with no network at all (--network none): model and index are inside;
#   - the REST API answers, and `docker stop` stops it cleanly: under 2 s, exit 0 or 143;
#   - the bot without DISCORD_TOKEN says so at once, before any first-start build;
#   - a /app/var the container cannot write says "chown 10001" in one sentence, no traceback;
#   - a first start (empty /app/var, the whole bundled catalog) shows plain progress lines and nothing else; a
#     `docker stop` in each of its phases (import, encode, publish: snapshot, index, reachability check,
#     neighbours; then the API's start) takes under 2 s and exits 0 or 143, the store intact, no temporary build
#     left; each next start resumes where the last one stopped, and the last one serves.
#
#   scripts/docker-smoke.sh            # an image of the first INDEX_LIMIT=400 titles, then the first starts: ~5 min
#   INDEX_LIMIT= scripts/docker-smoke.sh   # the whole bundled catalog in the image too (a minute or two more)
#
# Environment: IMAGE (default morelike:smoke); INDEX_LIMIT; FIRST_LIMIT (titles of the first-start build, default
# all: with fewer, its phases are too short to stop in); DOCKER_BUILD_ARGS (more `docker build` arguments);
# TORCH_WHEEL_DIR: a folder holding the torch wheel, served to the build over the docker bridge when the PyTorch
# index is not reachable (as on this project's machines: TORCH_WHEEL_DIR=/opt/wheels).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-morelike:smoke}
INDEX_LIMIT=${INDEX_LIMIT-400}
QUERY=${QUERY:-Taxi Driver}          # a title among the first 400 of the bundled catalog
NAME=morelike-smoke-$$
work=$(mktemp -d)
server_pid=
failures=0

cleanup() {
  docker ps -aq --filter "name=^$NAME-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
ok() { say "ok   $*"; }
fail() { say "FAIL $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
# verdict WHAT 'SNIPPET': the snippet is evaluated here, so it sees this script's variables and functions.
CR=$'\r'
verdict() { local what=$1; shift; if eval "$*"; then ok "$what"; else fail "$what"; fi; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
lt() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$1" "$2"; }

# ---- build ------------------------------------------------------------------------------------------------------
build_args=(--build-arg "INDEX_LIMIT=$INDEX_LIMIT")
if [[ -n "${TORCH_WHEEL_DIR:-}" ]]; then
  wheel=$(cd "$TORCH_WHEEL_DIR" && ls torch-*.whl | head -1)
  bridge=$(docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
  [[ -n "$bridge" ]] || bridge=$(ip -4 -o addr show docker0 | awk '{print $4}' | cut -d/ -f1)
  port=8765
  python3 -m http.server --bind "$bridge" "$port" --directory "$TORCH_WHEEL_DIR" >"$work/http.log" 2>&1 &
  server_pid=$!
  sleep 1
  build_args+=(--build-arg "TORCH_INDEX_URL=" --build-arg "TORCH_SPEC=http://$bridge:$port/$wheel")
  say "torch from $TORCH_WHEEL_DIR/$wheel, served on $bridge:$port"
fi
# shellcheck disable=SC2206
build_args+=(${DOCKER_BUILD_ARGS:-})
say "building $IMAGE (INDEX_LIMIT=${INDEX_LIMIT:-all})"
started=$(now)
if ! nice -n 10 docker build -t "$IMAGE" "${build_args[@]}" . >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  say "FAIL docker build"
  exit 1
fi
if grep -q 'encode: ' "$work/build.log"; then
  say "built in $(elapsed "$started" "$(now)") s; index build lines from the log:"
  grep -E '^(import|encode|index|source|read|store|publish|total):' "$work/build.log" | tail -8 | sed 's/^/    /' \
    || true
  verdict "the index build logged plain progress lines, not a bar redrawn with carriage returns" \
    'grep -qE "^encode: [0-9,]+" "$work/build.log" && ! grep -q "$CR"encode: "$work/build.log"'
else  # nothing changed since the last build: its index layer came from docker's cache, with no lines to read
  say "built in $(elapsed "$started" "$(now)") s; the index layer came from docker's build cache (the first starts" \
    "below check the index build's lines)"
fi

# ---- the image --------------------------------------------------------------------------------------------------
uid=$(docker run --rm "$IMAGE" id -u)
check "runs as a non-root user (uid $uid)" test "$uid" = 10001
leftovers=$(docker run --rm "$IMAGE" sh -c 'ls -d /app/build /app/*.egg-info /app/tests /app/.git 2>/dev/null || true')
check "no build leftovers in /app (${leftovers:-none})" test -z "$leftovers"
var=$(docker run --rm "$IMAGE" sh -c 'ls -A /app/var' | tr '\n' ' ')
stats=$(docker run --rm "$IMAGE" indexer stats 2>&1 | grep -E '^(store|published):' | cut -c1-90 | tr '\n' ' ')
verdict "the image carries the published index, not the working store (/app/var holds: $var; $stats)" \
  '[[ " $var " == *" published "* && " $var " != *" morelike.sqlite"* ]] && [[ $stats == *"store: none"* ]]'
home=$(docker run --rm "$IMAGE" sh -c 'ls -A "$HOME"' | tr '\n' ' ')
check "no OpenVINO telemetry files in the user's home after the index build (~ holds: $home)" \
  test -z "$(docker run --rm "$IMAGE" sh -c 'ls -d "$HOME/intel" 2>/dev/null || true')"

# ---- ask with no network ----------------------------------------------------------------------------------------
if docker run --rm --network none "$IMAGE" ask --first "$QUERY" >"$work/ask.out" 2>"$work/ask.err"; then
  head -4 "$work/ask.out" | sed 's/^/    /'
  check "ask \"$QUERY\" answers with --network none" grep -qi "${QUERY}" "$work/ask.out"
else
  cat "$work/ask.err"
  fail "ask with --network none exited $?"
fi

# ---- the REST API and a clean docker stop -----------------------------------------------------------------------
docker run -d --name "$NAME-api" -p 127.0.0.1::8080 "$IMAGE" api --host 0.0.0.0 >/dev/null
api_port=$(docker port "$NAME-api" 8080/tcp | head -1 | sed 's/.*://')
answered=
for _ in $(seq 120); do
  if curl -fsS "http://127.0.0.1:$api_port/v1/titles/search?q=taxi" >"$work/api.json" 2>/dev/null; then
    answered=1
    break
  fi
  sleep 0.5
done
verdict "the API answers on port $api_port ($(head -c 120 "$work/api.json" 2>/dev/null))" \
  '[[ -n "$answered" ]] && grep -q "Taxi Driver" "$work/api.json"'
started=$(now)
docker stop "$NAME-api" >/dev/null
took=$(elapsed "$started" "$(now)")
code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME-api")
verdict "docker stop of the API: ${took} s, exit $code (want < 2 s, 0 or 143)" \
  'lt "$took" 2 && [[ $code == 0 || $code == 143 ]]'
docker logs "$NAME-api" >"$work/api.log" 2>&1
verdict "the API's log has no traceback" '! grep -q Traceback "$work/api.log"'

# ---- the bot without a token: said at once, nothing built -------------------------------------------------------
started=$(now)
set +e
docker run --rm --tmpfs /app/var:uid=10001,gid=10001 "$IMAGE" >"$work/token.out" 2>&1
code=$?
set -e
took=$(elapsed "$started" "$(now)")
head -1 "$work/token.out" | sed 's/^/    /'
verdict "no DISCORD_TOKEN: exit $code in ${took} s, says DISCORD_TOKEN, no first-start build" \
  '[[ $code == 2 ]] && grep -q DISCORD_TOKEN "$work/token.out" && ! grep -q "building it" "$work/token.out"'

# ---- a /app/var the container cannot write ---------------------------------------------------------------------
mkdir -p "$work/root-owned" && chmod 755 "$work/root-owned"
set +e
docker run --rm -v "$work/root-owned:/app/var" "$IMAGE" api --host 0.0.0.0 >"$work/rw.out" 2>&1
code=$?
set -e
sed 's/^/    /' "$work/rw.out"
verdict "non-writable /app/var: exit $code, one sentence with 'chown 10001', no traceback" \
  '[[ $code == 2 ]] && grep -q "chown 10001" "$work/rw.out" && [[ $(wc -l <"$work/rw.out") == 1 ]] \
   && ! grep -qE "Traceback|Event loop is closed" "$work/rw.out"'

# ---- a first start: plain progress lines, a clean stop in every phase, each next start resumes --------------------
# An empty bind mount at /app/var and the whole bundled catalog (FIRST_LIMIT, default: all titles; the image's own
# INDEX_LIMIT would make every phase too short to be stopped in) with the default model: about a minute and a half
# of import, encode and publish on 2 cores. One container per start, all on the same state: each is stopped once a
# line of its phase shows, and the next one resumes. Every stop must take under 2 s and exit 0 or 143.
state="$work/state" && mkdir -p "$state" && chown 10001:10001 "$state"
first_limit=${FIRST_LIMIT-}
runs=0
# wait_line CONTAINER REGEX: until a line of the container's log matches (false if it exits first or after 5 min)
wait_line() {
  for _ in $(seq 1500); do
    docker logs "$1" 2>&1 | grep -E "$2" >/dev/null && return 0  # not grep -q: SIGPIPE fails the pipeline
    [[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]] || return 1
    sleep 0.2
  done
  return 1
}
# in_image CMD...: a command in the image on the first-start state, as the container's user
in_image() { docker run --rm -v "$state:/app/var" --entrypoint "$1" "$IMAGE" "${@:2}"; }
store_ok() {
  in_image python -c 'import sqlite3; db = sqlite3.connect("/app/var/morelike.sqlite")
print(db.execute("PRAGMA integrity_check").fetchone()[0])' 2>&1
}
# first_start: a new container on the first-start state, started; its name in $run
first_start() {
  runs=$((runs + 1))
  run="$NAME-first$runs"
  docker run -d --name "$run" -v "$state:/app/var" -e MORELIKE_INDEX_LIMIT="$first_limit" \
    -e MORELIKE_PROGRESS_INTERVAL=1 -p 127.0.0.1::8080 "$IMAGE" api --host 0.0.0.0 >/dev/null
}
# stop_in PHASE REGEX DELAY: a first start stopped DELAY s after its first log line matching REGEX
stop_in() {
  local phase=$1 pattern=$2 delay=$3 started took code last integrity leftovers
  first_start
  if ! wait_line "$run" "$pattern"; then
    docker logs "$run" 2>&1 | tail -5 | sed 's/^/    /'
    fail "first start: no line matching '$pattern' to stop in ($phase)"
    return
  fi
  sleep "$delay"
  started=$(now)
  docker stop "$run" >/dev/null
  took=$(elapsed "$started" "$(now)")
  code=$(docker inspect -f '{{.State.ExitCode}}' "$run")
  docker logs "$run" >"$work/$run.log" 2>&1
  last=$(grep -E '^[a-z]+: ' "$work/$run.log" | grep -vE '^(morelike|interrupted):' | tail -1 || true)
  verdict "docker stop during the first start's $phase: ${took} s, exit $code (want < 2 s, 0 or 143) [${last}]" \
    'lt "$took" 2 && [[ $code == 0 || $code == 143 ]] && ! grep -q Traceback "$work/$run.log"'
  if [[ $phase == "API start" ]]; then
    return
  fi
  integrity=$(store_ok || true)
  leftovers=$(in_image sh -c 'ls -A /app/var/published/builds 2>/dev/null | grep "^\." || true')
  verdict "  its build stopped and said so; store intact ($integrity); no temporary build left (${leftovers:-none})" \
    'grep -q "the index build stopped (exit 143); start the container again to resume it" "$work/$run.log" \
     && [[ $integrity == ok && -z $leftovers ]]'
}
stop_in "import" '^import: [0-9,]+/' 0.3
stop_in "encode (the texts, before the model)" '^import: [0-9,]+ titles in' 1.0
stop_in "encode" '^encode: [0-9,]+/' 0.3
stop_in "publish (snapshot, before the index)" '^encode: [0-9,]+ titles in' 1.5
stop_in "publish (index)" '^index: [0-9,]+/' 0.3
stop_in "publish (reachability check)" '^reachable: [0-9,]+/' 0.3
stop_in "publish (neighbours)" '^neighbours: [0-9,]+/' 0.3
stop_in "API start" '^total: ' 0
built_log="$work/$run.log"   # the start that finished the build, stopped as its API started
sed -n '/^source: /,/^total: /p' "$built_log" | sed 's/^/    /'   # its summary
verdict "the start after the stops resumed: no title imported or encoded again, and it published" \
  'grep -qE "^store: 0 new, 0 updated, [1-9][0-9]* unchanged" "$built_log" \
   && grep -qE "^encode: 0 encoded .*, [1-9][0-9]* reused from cache" "$built_log" \
   && grep -qE "^publish: [1-9][0-9]* titles, build " "$built_log"'
first_start
first_port=$(docker port "$run" 8080/tcp | head -1 | sed 's/.*://')
answered=
for _ in $(seq 600); do
  if curl -fsS "http://127.0.0.1:$first_port/v1/titles/search?q=taxi" >"$work/first.json" 2>/dev/null; then
    answered=1
    break
  fi
  sleep 0.5
done
docker logs "$run" >"$work/$run.log" 2>&1
verdict "the next start finds the published index (no build) and the API answers" \
  '[[ -n "$answered" ]] && ! grep -q "no index in" "$work/$run.log" && grep -q "MoreLike API on" "$work/$run.log"'
started=$(now)
docker stop "$run" >/dev/null
took=$(elapsed "$started" "$(now)")
code=$(docker inspect -f '{{.State.ExitCode}}' "$run")
verdict "docker stop of the API after a first start: ${took} s, exit $code" \
  'lt "$took" 2 && [[ $code == 0 || $code == 143 ]]'
# What a first start prints: our plain lines only. No bar redrawn with carriage returns, no third-party noise (a
# transformers LOAD REPORT, library warnings), no traceback; our own log lines are `<time> LEVEL morelike.<name>`.
cat "$work/$NAME"-first*.log >"$work/first-all.log"
ours='^(morelike: |(read|import|encode|index|reachable|neighbours|source|store|publish|total): |interrupted: |'
ours+='MoreLike API on |[0-9T:-]+ (INFO|WARNING) morelike[.a-z_]* )'
noise=$(grep -vE "$ours" "$work/first-all.log" | sort | uniq -c | sort -rn | head -5 || true)
[[ -n "$noise" ]] && printf '%s\n' "$noise" | sed 's/^/    noise: /'
verdict "first-start logs ($(wc -l <"$work/first-all.log") lines, $runs starts): plain progress lines, nothing else" \
  '[[ -z "$noise" ]] && ! grep -q "$CR" "$work/first-all.log" \
   && grep -qE "^encode: [0-9,]+/[0-9,]+ titles" "$work/first-all.log"'

if ((failures)); then
  say "$failures check(s) failed"
  exit 1
fi
say "all checks passed"
