#!/usr/bin/env bash
# The test command (README and .ci/run): installs what the tests need, starts a
# throw-away PostgreSQL server on loopback, runs ruff and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

SHARED="${HAUSBESUCH_SHARED_DATA:-$REPO/../shared/data}"
if [ ! -d "$SHARED/osm" ]; then
  echo "ERROR: shared test data not found at $SHARED (expected ../shared/data beside the repository)." >&2
  exit 1
fi
export HAUSBESUCH_SHARED_DATA="$(cd "$SHARED" && pwd)"

# System packages: Debian's Chromium for the browser tests, PostgreSQL for the store tests.
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q -e ".[test,bench]"

# A throw-away PostgreSQL cluster on a loopback port, for the store tests.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDIR=$(mktemp -d /tmp/hausbesuch-pg.XXXXXX)
PGPORT=${HAUSBESUCH_TEST_PG_PORT:-55432}
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGDIR"
  RUNAS=(runuser -u postgres --)
fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U hausbesuch -A trust >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1" -l "$PGDIR/log" -w start >/dev/null
cleanup() { "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
trap cleanup EXIT
"${RUNAS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U hausbesuch hausbesuch_test
export HAUSBESUCH_TEST_PG_URL="postgresql+psycopg://hausbesuch@127.0.0.1:$PGPORT/hausbesuch_test"

export HAUSBESUCH_TEST_CACHE=$(mktemp -d /tmp/hausbesuch-test-cache.XXXXXX)

# Bytecode caches on, whatever the environment says: the tests start some hundred Python
# processes (the CLI, serve) and two pytest workers per stage. With PYTHONDONTWRITEBYTECODE
# set, each of them compiled the project again, and each worker rewrote the asserts of
# every test module again (~15 s of CPU per worker and stage).
unset PYTHONDONTWRITEBYTECODE
python3 -m compileall -q geodata routing hausbesuch >/dev/null || true

status=0
python3 -m ruff check geodata routing hausbesuch tests bench || status=1
# The whole suite: write pytest's cached test modules (collecting in one process) on one
# core while the solver's numba code compiles on the other (~20 s in a fresh clone), both
# before the parallel workers start. (Errors: reported by the run itself.) Not for a run
# the caller names: its options (-n, --junitxml, …) are not for a collecting run.
collecting=
if [ $# -eq 0 ]; then
  python3 -m pytest -q --collect-only -p no:xdist >/dev/null 2>&1 &
  collecting=$!
fi
python3 -c "import routing._lns as m; print(f'solver code ready in {m.warm_up():.1f} s')" || status=1
# The tests' planned week (tests/planning_fixtures.py), planned once for both stages while
# the first stage's workers start (a worker that needs it sooner waits under its lock; a
# failure here leaves it to the first test that needs it).
python3 -m tests.planning_fixtures >/dev/null 2>&1 &
week=$!
[ -z "$collecting" ] || wait "$collecting" || true
if [ $# -gt 0 ]; then  # what the caller names (a file, -k, -m …), in one run
  python3 -m pytest -n 2 --dist loadfile "$@" || status=$?
else
  # Two stages, both always run: the suite without the tests marked slow (the quick
  # answer: its target is under 10 minutes on 2 cores), then the slow ones. The first
  # stage runs three workers on the two cores: its browser pages, served subprocesses
  # and loopback downloads wait for about half of their wall time, which a third worker
  # fills (session 34: 830 s against 922 s with two; session 36: no failure with three
  # at a load of 12). The slow stage keeps two: most of its tests solve against a time
  # limit.
  SECONDS=0
  first=0
  python3 -m pytest -n 3 --dist loadfile -m "not slow" || first=$?
  quick=$SECONDS
  if [ "$first" -eq 2 ]; then  # interrupted (Ctrl-C) or a usage error: stop here
    exit 2
  fi
  second=0
  python3 -m pytest -n 2 --dist loadfile -m slow || second=$?
  echo "tests without 'slow': ${quick} s (exit ${first}); tests marked slow:" \
    "$((SECONDS - quick)) s (exit ${second})"
  [ "$first" -eq 0 ] || status=$first
  [ "$second" -eq 0 ] || status=$second
fi
wait "$week" || true
exit $status
