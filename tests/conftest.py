"""Shared fixtures: paths to the real OSM extracts in ../shared/data, a test cache dir.

The shared data is read from ``../shared/data`` beside the repository (or from
``HAUSBESUCH_SHARED_DATA``). It is never copied into the project. When it is
missing, every test that needs it fails with a clear message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))

BAD_HERSFELD_PBF = SHARED_DATA / "osm" / "bad-hersfeld_2021-10-27.osm.pbf"
BAD_HERSFELD_XML = SHARED_DATA / "osm" / "bad-hersfeld_2021-10-27.osm.xml.gz"
LAUF_PBF = SHARED_DATA / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"
SOLOMON_DIR = SHARED_DATA / "vrp" / "solomon"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(
            f"Shared test data missing: {path} (expected ../shared/data beside the "
            "repository, or set HAUSBESUCH_SHARED_DATA)",
            pytrace=False,
        )
    return path


def pytest_configure(config: pytest.Config) -> None:
    # One cache for the whole run, shared by xdist workers; never the user's real cache.
    if "HAUSBESUCH_CACHE_DIR" not in os.environ or os.environ.get("HAUSBESUCH_TEST_KEEP_ENV") != "1":
        base = Path(os.environ.get("HAUSBESUCH_TEST_CACHE", "/tmp/hausbesuch-test-cache"))
        base.mkdir(parents=True, exist_ok=True)
        os.environ["HAUSBESUCH_CACHE_DIR"] = str(base)
    _build_each_command_tree_once()
    _one_ssl_context_for_test_clients()
    _patient_test_clients()


#: How long a test's HTTP request to a server on loopback may wait for its answer.
TEST_HTTP_TIMEOUT = 60.0


def _patient_test_clients() -> None:
    """httpx waits 5 s for an answer unless told otherwise. On CI's two cores, with both
    test processes busy, one page of a server on loopback took longer (session 39: a
    phone page on PostgreSQL, ``httpx.ReadTimeout`` where nothing was wrong but the load).
    Requests and clients of the tests that name no timeout get :data:`TEST_HTTP_TIMEOUT`
    (a test that waits on purpose names its own). Only the tests use httpx: the
    application makes no HTTP request with it."""
    import functools

    import httpx

    if getattr(httpx.Client.__init__, "patient", False):
        return

    def patient(fn):  # noqa: ANN001, ANN202
        @functools.wraps(fn)
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            kwargs.setdefault("timeout", TEST_HTTP_TIMEOUT)
            return fn(*args, **kwargs)
        call.patient = True
        return call

    for name in ("get", "post", "put", "patch", "delete", "head", "options", "request",
                 "stream"):
        setattr(httpx, name, patient(getattr(httpx, name)))
    httpx.Client.__init__ = patient(httpx.Client.__init__)


def _one_ssl_context_for_test_clients() -> None:
    """The tests' httpx clients talk plain HTTP to servers on loopback, and each new
    client still builds an SSL context and loads certifi's CA bundle into it (~30 ms of
    CPU that no request uses), some thousand times in the suite. Clients made with the
    default verification share one such context, made as httpx makes it (the
    application itself makes no HTTP request with httpx: only the tests use it). An
    httpx without the function where 0.28/0.29 have it: each client makes its own."""
    try:
        import httpx._transports.default as transports
    except ImportError:
        return
    make = getattr(transports, "create_ssl_context", None)
    if make is None or getattr(make, "shares_default", False):
        return
    shared: list[object] = []

    def create_ssl_context(verify=True, cert=None, trust_env=True):  # noqa: ANN001, ANN202
        if verify is not True or cert is not None or not trust_env or os.environ.get(
                "SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
            return make(verify=verify, cert=cert, trust_env=trust_env)
        if not shared:
            shared.append(make(verify=verify, cert=cert, trust_env=trust_env))
        return shared[0]

    create_ssl_context.shares_default = True  # type: ignore[attr-defined]
    transports.create_ssl_context = create_ssl_context


def _build_each_command_tree_once() -> None:
    """Typer's test runner builds the app's whole click command tree again on every
    ``invoke`` (each command's signature and annotations read: ~70 ms), and the suite
    invokes the command line some thousand times in-process. A process running
    ``hausbesuch`` builds the tree once and runs one command with it; so do the tests now:
    the tree of each app is built on its first invoke and kept (click commands keep no
    state of a run: each run has its own context)."""
    import typer.testing

    build = typer.testing._get_command
    if getattr(build, "keeps_trees", False):
        return
    trees: dict[int, tuple[object, object]] = {}

    def get_command(typer_instance):  # noqa: ANN001, ANN202
        kept = trees.get(id(typer_instance))
        if kept is None or kept[0] is not typer_instance:
            kept = trees[id(typer_instance)] = (typer_instance, build(typer_instance))
        return kept[1]

    get_command.keeps_trees = True  # type: ignore[attr-defined]
    typer.testing._get_command = get_command


@pytest.fixture(scope="session", autouse=True)
def solver_compiled() -> None:
    """The solver's numba code is compiled (or loaded from the disk cache) before tests run.

    Without it, a solve in a fresh clone plans with OR-Tools alone while the code compiles
    in the background, and the tests would not exercise the improvement phase.
    """
    import routing

    routing.prepare()


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> object:
    """argon2id at its lowest cost for new hashes in this process.

    The shipped hasher (``argon2-cffi``'s defaults: 64 MiB, 3 passes, 4 lanes) takes about
    0.15 s of both cores per hash and per login, and the web tests log in and make
    accounts some thousand times. Behaviour does not depend on the cost, so hashes made
    in the test process use the same algorithm at 1 pass over 1 MiB. What stays real:
    a hash stores its own parameters, so a login against an account made with the
    shipped cost verifies at that cost (tested), servers started as subprocesses
    (``hausbesuch serve``) use the shipped hasher, and the shipped parameters are
    checked against OWASP's minimum
    (``test_auth_audit::test_the_shipped_password_hash_cost_holds_and_logs_in``, which
    gets the shipped hasher as this fixture's value).
    """
    from argon2 import PasswordHasher

    from hausbesuch.web import auth

    shipped = auth._HASHER
    auth._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    auth._DUMMY_HASH = auth._HASHER.hash("kein-konto-test")
    return shipped


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _require(SHARED_DATA)


@pytest.fixture(scope="session")
def bad_hersfeld_pbf() -> Path:
    return _require(BAD_HERSFELD_PBF)


@pytest.fixture(scope="session")
def bad_hersfeld_xml() -> Path:
    return _require(BAD_HERSFELD_XML)


@pytest.fixture(scope="session")
def lauf_pbf() -> Path:
    return _require(LAUF_PBF)


@pytest.fixture(scope="session")
def solomon_dir() -> Path:
    return _require(SOLOMON_DIR)


@pytest.fixture(scope="session", params=["bad-hersfeld", "lauf"])
def extract(request: pytest.FixtureRequest) -> Path:
    """Each real extract in turn."""
    return _require(BAD_HERSFELD_PBF if request.param == "bad-hersfeld" else LAUF_PBF)


@pytest.fixture(scope="session")
def planned_week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path):
    """A real week planned on Bad Hersfeld from a 200-row list (see tests/planning_fixtures.py),
    planned once in the tests' cache for the code and day it is planned with: pytest-xdist's
    workers and both stages of scripts/test.sh share it (each gets a copy of its files and
    database)."""
    from tests.planning_fixtures import shared_real_week, week_folder

    shared = week_folder(Path(os.environ["HAUSBESUCH_CACHE_DIR"]), bad_hersfeld_pbf)
    return shared_real_week(shared, tmp_path_factory.mktemp("week"), bad_hersfeld_pbf)


@pytest.fixture
def sqlite_store(tmp_path: Path):
    """A fresh store in a SQLite file of the test's own folder."""
    from hausbesuch.store import Store

    with Store.open(tmp_path / "store.sqlite") as s:
        yield s


@pytest.fixture(autouse=True)
def _links_open_monkeypatch(monkeypatch: pytest.MonkeyPatch) -> object:
    """The test's monkeypatch for :func:`tests.web_fixtures.links_open` (a link made by a
    test helper opens its team-day: QA 28 F4)."""
    from tests import web_fixtures

    web_fixtures.current_monkeypatch = monkeypatch
    yield
    web_fixtures.current_monkeypatch = None


#: The modules with a test marked ``browser`` (filled after collection).
_BROWSER_MODULES: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _BROWSER_MODULES.update(item.module.__name__ for item in items
                            if item.get_closest_marker("browser") and item.module)


@pytest.fixture(scope="session", autouse=True)
def _end_shared_browser() -> object:
    """The Chromium of :func:`tests.browser.shared_browser` ends with the test process."""
    yield
    from tests.browser import close_shared_browser

    close_shared_browser()


@pytest.fixture(scope="module", autouse=True)
def _close_shared_browser(request: pytest.FixtureRequest) -> None:
    """The Chromium kept by :func:`tests.browser.shared_browser` goes on from one module
    to the next that drives Chromium (a test marked ``browser``): starting Playwright's
    driver and Chromium took about 2 s per module. A module without such a test runs
    without it: while it runs, no ``asyncio.run`` (nor asgiref's ``async_to_sync``) can
    run in this thread."""
    if request.module.__name__ not in _BROWSER_MODULES:
        from tests.browser import close_shared_browser

        close_shared_browser()
