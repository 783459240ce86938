"""The layers of the code: the web app (``hausbesuch.web``) depends on the core
(``hausbesuch`` outside it), never the reverse.

Read from the source (every ``import`` statement, also those inside functions), so an
import made only on one code path is seen too. Closing 26: ``versions.delete_plan_version``
imported ``hausbesuch.web.models`` for the day links; the store now reaches their table by
name (``hausbesuch.store.DAY_LINKS``), checked here against the web app's model.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Core modules allowed to import the web app: the command line sits above both layers,
#: and the migrations create every table of the database (the web app's too).
ABOVE_BOTH = ("hausbesuch/commands/", "hausbesuch/migrations/")
#: Known exceptions: none (``hausbesuch cleanup``'s housekeeping of the web app's tables
#: lives in the web app, :mod:`hausbesuch.web.retention`).
KNOWN: set[str] = set()


def _web_imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + ([f"hausbesuch.{a.name}" for a in node.names]
                                     if node.module == "hausbesuch" else [])
        out += [(node.lineno, n) for n in names
                if n == "hausbesuch.web" or n.startswith("hausbesuch.web.")]
    return out


def test_the_core_does_not_import_the_web_app() -> None:
    found = []
    for path in sorted((ROOT / "hausbesuch").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("hausbesuch/web/", *ABOVE_BOTH)) or rel in KNOWN:
            continue
        found += [f"{rel}:{line} {name}" for line, name in _web_imports(path)]
    assert found == [], found


def test_the_scan_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from hausbesuch.web.models import WorkerLinkRow\n"
                   "    from hausbesuch import web\n", encoding="utf-8")
    assert _web_imports(src) == [(2, "hausbesuch.web.models"), (3, "hausbesuch.web")]


def test_the_store_names_the_day_links_as_the_web_app_defines_them() -> None:
    from hausbesuch.store import DAY_LINKS
    from hausbesuch.web.models import WorkerLinkRow

    model = WorkerLinkRow.__table__
    assert DAY_LINKS.name == model.name
    for col in DAY_LINKS.c:
        assert col.name in model.c, col.name
        assert type(col.type) is type(model.c[col.name].type), col.name


def test_one_message_for_an_unknown_plan(tmp_path: Path) -> None:
    """The command line's ``delete-plan`` and the store say it with the same words."""
    import pytest

    from hausbesuch.errors import UserError
    from hausbesuch.store import Store, StoreError, no_plan_message
    from hausbesuch.versions import delete_plan_version

    said = no_plan_message("20261201-000000-abcdef")
    assert said == ("Kein gespeicherter Plan mit der Kennung „20261201-000000-abcdef“ "
                    "(siehe hausbesuch plans).")
    with Store.open(f"sqlite:///{tmp_path / 'leer.sqlite'}") as store:
        with pytest.raises(UserError) as refused:
            delete_plan_version(store, "20261201-000000-abcdef", actor="pruefer")
        assert str(refused.value) == said
        with pytest.raises(StoreError) as unknown:
            store.plan_city("20261201-000000-abcdef")
        assert str(unknown.value) == said
