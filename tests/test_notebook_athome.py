"""The notebook ``notebooks/erreichbarkeit.ipynb`` executed as CI executes notebooks.

A copy of the planned week's SQLite database (``planned_week``: 200 rows on Bad Hersfeld)
gets an outcome for every planned visit, drawn from a fixed rule (mornings fail in one
district); the notebook runs in a guarded kernel (no network, see tests/test_notebook.py)
and must show the same learned rates as the model, a heat map image, and no client name.
On a database without outcomes it must say so in German and draw no heat map.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime

import nbformat
import numpy as np
import pytest

from tests.test_notebook import _KERNEL_MAIN, REPO, _TableParser, _text_of

NOTEBOOK = REPO / "notebooks" / "erreichbarkeit.ipynb"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db_with_outcomes(planned_week, tmp_path_factory):
    from hausbesuch.store import OutcomeRow, Store, VisitRow

    tmp = tmp_path_factory.mktemp("athome-nb")
    src = planned_week.db_url.removeprefix("sqlite:///")
    shutil.copy(src, tmp / "plan.db")
    url = f"sqlite:///{tmp / 'plan.db'}"
    rng = np.random.default_rng(2)
    with Store.open(url) as store, store.session() as s:
        visits = s.query(VisitRow).filter(VisitRow.plan_id == planned_week.plan_id).all()
        districts = sorted({v.district for v in visits})
        for v in visits:
            minute = v.start_at.hour * 60 + v.start_at.minute
            p = 0.1 if (v.district == districts[0] and minute < 720) else 0.7
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=v.client_id, day=v.day,
                             time_min=minute, recorded_by="test", source="csv",
                             recorded_at=datetime(2026, 12, 12),
                             result="angetroffen" if rng.random() < p else "nicht_angetroffen"))
    return url, tmp


def _execute(url: str, tmp):
    """The notebook executed in a guarded kernel on the database ``url`` (Bad Hersfeld)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    spec_dir = tmp / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", _KERNEL_MAIN.format(repo=str(REPO)),
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (hausbesuch, ohne Netz)",
        "language": "python",
        "env": {"HAUSBESUCH_DB": url, "HAUSBESUCH_CITY": "bad-hersfeld",
                "MPLCONFIGDIR": str(tmp / "mpl")},
    }), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")], ensure_native_kernel=False)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ksm)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp / "run"
    work.mkdir()
    NotebookClient(nb, km=km, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(work)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(db_with_outcomes):
    url, tmp = db_with_outcomes
    return _execute(url, tmp)


def test_committed_notebook_is_clean_and_defines_nothing() -> None:
    import re

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None
            assert not re.search(r"^\s*(def|class|async def|lambda)\s", c.source, re.M)
            assert "http://" not in c.source and "https://" not in c.source


def test_heat_map_shows_the_models_rates_without_names(executed, db_with_outcomes,
                                                       planned_week) -> None:
    from hausbesuch.athome import model_for_city
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o["output_type"] == "error"]
    assert errors == [], [f"{e['ename']}: {e['evalue']}" for e in errors]
    with Store.open(db_with_outcomes[0]) as store:
        model = model_for_city(store, load_profile("bad-hersfeld"))
    assert model.n_records > 30
    cell = next(c for c in executed.cells if c.cell_type == "code" and "rate_frame(modell)" in
                c.source and "quoten\n" in c.source + "\n")
    html_out = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    parser = _TableParser()
    parser.feed(html_out[0])
    header, *rows = [r for r in parser.rows if r]
    assert header[1:] == ["bezirk", "wochentag", "zeitband", "quote", "besuche", "angetroffen"]
    assert len(rows) == len(model.district_tries) * 5 * len(model.bands)
    assert sum(int(r[5]) for r in rows) == model.n_records
    for r in rows[:8]:
        w = ["Mo", "Di", "Mi", "Do", "Fr"].index(r[2])
        b = [f"{a // 60}–{e // 60} Uhr" for a, e in model.bands].index(r[3])
        assert float(r[4]) == pytest.approx(model.district_rate(r[1])[w, b], abs=1e-5)
    heat = next(c for c in executed.cells if c.cell_type == "code" and "imshow" in c.source)
    assert sum("image/png" in o.get("data", {}) for o in heat.outputs) == 1
    joined = "\n".join(_text_of(o) for c in executed.cells for o in c.get("outputs", []))
    assert f"Bad Hersfeld: {model.n_records} Besuche mit Ergebnis" in joined
    assert not any(name in joined for name in planned_week.names)


def test_without_outcomes_says_so_and_draws_no_heat_map(tmp_path) -> None:
    """A database without outcomes (a fresh one, or the demo's): the notebook runs to the end,
    says in German that no outcomes are recorded yet and draws no heat map."""
    from hausbesuch.store import Store

    url = f"sqlite:///{tmp_path / 'leer.db'}"
    with Store.open(url):
        pass
    nb = _execute(url, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o["output_type"] == "error"]
    assert errors == [], [f"{e['ename']}: {e['evalue']}" for e in errors]
    joined = "\n".join(_text_of(o) for c in nb.cells for o in c.get("outputs", []))
    assert "Bad Hersfeld: 0 Besuche mit Ergebnis" in joined
    assert "Für Bad Hersfeld sind noch keine Besuchsergebnisse erfasst" in joined
    # a plain print: quoted as text, not with Markdown backticks (review 19)
    assert "Ergebnisse trägt „hausbesuch outcomes“ ein" in " ".join(joined.split())
    assert "`" not in joined
    assert "Keine Heatmap: es liegen noch keine Besuchsergebnisse vor." in joined
    assert not any("image/png" in o.get("data", {}) for c in nb.cells
                   for o in c.get("outputs", []))
