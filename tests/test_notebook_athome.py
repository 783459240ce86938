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
        # a district with one outcome only (its heat map's title: „(1 Besuch)“, QA 42a F7)
        lone = min(districts[1:], key=lambda d: sum(v.district == d for v in visits))
        told = False
        for v in visits:
            if v.district == lone:
                if told:
                    continue
                told = True
            minute = v.start_at.hour * 60 + v.start_at.minute
            p = 0.1 if (v.district == districts[0] and minute < 720) else 0.7
            # every contact counts, not only „angetroffen“ (QA 42a F7)
            met = rng.choice(["angetroffen", "angetroffen", "verweigert", "termin_vereinbart"])
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=v.client_id, day=v.day,
                             time_min=minute, recorded_by="test", source="csv",
                             recorded_at=datetime(2026, 12, 12),
                             result=str(met) if rng.random() < p else "nicht_angetroffen"))
    return url, tmp


#: A cell the tests add after the notebook's own (not committed): the heat map's figure as
#: drawn, in one line of JSON: the visible tiles' titles, the colour bar's label, the
#: figure's title, and each title that overlaps a tick label or the title of another tile
#: (QA 42a F7: the titles of the second and third row were drawn over the row above).
_LAYOUT_CELL = """\
import json
from matplotlib.backends.backend_agg import FigureCanvasAgg
FigureCanvasAgg(fig)  # (the inline backend closed the figure when it showed it)
fig.canvas.draw()
_r = fig.canvas.get_renderer()
_tiles = [ax for ax in achsen.flat if ax.get_visible()]
_over = [[a.get_title(), t.get_text()] for a in _tiles for b in _tiles if b is not a
         for t in [*b.get_xticklabels(), *b.get_yticklabels(), b.title]
         if t.get_text() and a.title.get_window_extent(_r).overlaps(t.get_window_extent(_r))]
print("LAYOUT " + json.dumps({
    "titles": [ax.get_title() for ax in _tiles],
    "colorbar": [ax.get_ylabel() for ax in fig.axes if ax not in list(achsen.flat)],
    "suptitle": fig.get_suptitle(), "overlaps": _over}, ensure_ascii=False))
"""


def _execute(url: str, tmp, *, extra: str = ""):
    """The notebook executed in a guarded kernel on the database ``url`` (Bad Hersfeld),
    with the code ``extra`` run after it as a cell of its own."""
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
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    work = tmp / "run"
    work.mkdir()
    NotebookClient(nb, km=km, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(work)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(db_with_outcomes):
    url, tmp = db_with_outcomes
    return _execute(url, tmp, extra=_LAYOUT_CELL)


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
    from hausbesuch.store import OutcomeRow, Store

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
    assert header[1:] == ["bezirk", "wochentag", "zeitband", "quote", "besuche", "mit_kontakt"]
    assert len(rows) == len(model.district_tries) * 5 * len(model.bands)
    assert sum(int(r[5]) for r in rows) == model.n_records
    # every contact counts: „verweigert“ and „Termin vereinbart“ too (QA 42a F7)
    with Store.open(db_with_outcomes[0]) as store, store.session() as s:
        contacts = sum(1 for o in s.query(OutcomeRow).filter(OutcomeRow.city == "Bad Hersfeld")
                       if o.result in ("angetroffen", "verweigert", "termin_vereinbart"))
        refused = s.query(OutcomeRow).filter(OutcomeRow.result == "verweigert").count()
    assert refused and sum(int(r[6]) for r in rows) == contacts
    for r in rows[:8]:
        w = ["Mo", "Di", "Mi", "Do", "Fr"].index(r[2])
        b = [f"{a // 60}–{e // 60} Uhr" for a, e in model.bands].index(r[3])
        assert float(r[4]) == pytest.approx(model.district_rate(r[1])[w, b], abs=1e-5)
    heat = next(c for c in executed.cells if c.cell_type == "code" and "imshow" in c.source)
    assert sum("image/png" in o.get("data", {}) for o in heat.outputs) == 1
    joined = "\n".join(_text_of(o) for c in executed.cells for o in c.get("outputs", []))
    assert f"Bad Hersfeld: {model.n_records} Besuche mit Ergebnis" in joined
    assert not any(name in joined for name in planned_week.names)


def test_heat_map_titles_stand_apart_and_say_contact(executed) -> None:
    """QA 42a F7: the titles of a row were drawn over the tick labels of the row above,
    „Kuhnhof (1 Besuche)“, and the colour bar, the table and the text said „angetroffen“
    where the model counts every contact (as the pages' „Chance auf Kontakt“)."""
    import re

    line = next(line for c in executed.cells if c.cell_type == "code" for o in c.outputs
                for line in _text_of(o).splitlines() if line.startswith("LAYOUT "))
    layout = json.loads(line.removeprefix("LAYOUT "))
    titles = layout["titles"]
    assert len(titles) > 3, titles  # more than one row of tiles
    assert layout["overlaps"] == [], layout["overlaps"]
    counts = [re.fullmatch(r".+ \((\d+) (Besuch|Besuche)\)", t) for t in titles]
    assert all(counts), titles
    assert [m[2] for m in counts] == ["Besuch" if m[1] == "1" else "Besuche" for m in counts]
    assert "1" in [m[1] for m in counts], titles  # the district with one outcome
    assert layout["colorbar"] == ["Quote mit Kontakt"], layout
    assert "Quote mit Kontakt" in layout["suptitle"], layout
    # the notebook's own words: contact, never „angetroffen“ for it
    nb = nbformat.read(NOTEBOOK, as_version=4)
    words = "\n".join(c.source for c in nb.cells)
    assert "Quote angetroffen" not in words and "„angetroffen“" not in words
    assert "Chance auf Kontakt" in words


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
