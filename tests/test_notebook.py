"""The analysis notebook ``notebooks/week_overview.ipynb``, executed as CI executes it.

The notebook runs with ``nbclient`` in a fresh ``python3`` kernel on the real planned week
(``planned_week``: 200 rows on Bad Hersfeld, stored in SQLite). The kernel spec is written
into a temporary directory (this interpreter, no global Jupyter state), and the kernel
process starts under :func:`tests.netguard.deny_network`, so any outbound connection from
the notebook's code fails the cell; a probe cell proves the guard is active in the kernel.

Checked: no error output; the district table totals the planned and unassigned visits of
the stored plan; the team-day table matches the routes; both charts are PNG images; the
reasons and rejected rows are shown; the overview map is displayed inline with its Leaflet
assets embedded (no CDN, no relative file) and one marker per visit; no client name appears
anywhere in the outputs; and the committed notebook carries no outputs.
"""

from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "week_overview.ipynb"

pytestmark = pytest.mark.slow

# The kernel: this interpreter, the repository first on sys.path, outbound network refused.
_KERNEL_MAIN = (
    "import sys\n"
    "sys.path.insert(0, {repo!r})\n"
    "from tests.netguard import deny_network\n"
    "with deny_network():\n"
    "    from ipykernel.kernelapp import launch_new_instance\n"
    "    launch_new_instance()\n"
)

_PROBE = """\
import socket, hausbesuch
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)
    print("PROBE:connected")
except Exception as exc:
    print("PROBE:" + type(exc).__name__)
print("MODULE:" + hausbesuch.__file__)
"""


def _text_of(output: dict) -> str:
    """All text an output carries (stream text, plain text and HTML reprs)."""
    if output["output_type"] == "stream":
        return output["text"]
    data = output.get("data", {})
    return "\n".join(str(data.get(k, "")) for k in ("text/plain", "text/html"))


def _outputs(nb, source_marker: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and source_marker in c.source]
    assert len(cells) == 1, f"expected one code cell containing {source_marker!r}"
    return cells[0].outputs


def _html_table(outputs: list[dict]) -> str:
    tables = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) == 1, outputs
    return tables[0]


def _png_count(outputs: list[dict]) -> int:
    return sum(1 for o in outputs if "image/png" in o.get("data", {}))


@pytest.fixture(scope="module")
def executed(planned_week, tmp_path_factory: pytest.TempPathFactory):
    """The notebook executed against the planned week; returns the executed notebook."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    tmp = tmp_path_factory.mktemp("notebook")
    spec_dir = tmp / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", _KERNEL_MAIN.format(repo=str(REPO)),
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (hausbesuch, ohne Netz)",
        "language": "python",
        "env": {
            "HAUSBESUCH_DB": planned_week.db_url,
            "HAUSBESUCH_PLAN_ID": planned_week.plan_id,
            "MPLCONFIGDIR": str(tmp / "mpl"),
        },
    }), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")], ensure_native_kernel=False)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ksm)

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    work = tmp / "run"
    work.mkdir()
    client = NotebookClient(nb, km=km, kernel_name="python3", timeout=300,
                            resources={"metadata": {"path": str(work)}})
    client.execute()
    nbformat.write(nb, tmp / "executed.ipynb")  # for inspection after a failure
    return nb


def test_committed_notebook_has_no_outputs_and_defines_nothing() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, c.source[:60]
        assert not re.search(r"^\s*(def|class|async def)\s", c.source, re.M), c.source[:60]
        assert "http://" not in c.source and "https://" not in c.source
    assert nb.metadata["kernelspec"]["name"] == "python3"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for word in ("Wochenübersicht", "Stadtteil", "Fahrzeit", "Übersichtskarte", "HAUSBESUCH_DB",
                 "HAUSBESUCH_PLAN_ID"):
        assert word in text


def test_notebook_runs_without_errors_in_a_guarded_kernel(executed) -> None:
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o["output_type"] == "error"]
    assert errors == [], [f"{e['ename']}: {e['evalue']}" for e in errors]
    probe = "".join(_text_of(o) for o in executed.cells[-1].outputs)
    assert "PROBE:OutboundConnection" in probe, probe  # the guard was active in the kernel
    module = re.search(r"MODULE:(.*)", probe).group(1).strip()
    assert Path(module).resolve() == (REPO / "hausbesuch" / "__init__.py").resolve()


def test_loads_the_chosen_plan(executed, planned_week) -> None:
    plan = planned_week.result.plan
    text = "".join(_text_of(o) for o in _outputs(executed, "store.load_plan"))
    n_planned = sum(len(r.stops) for r in plan.routes)
    assert f"Plan {planned_week.plan_id} für Bad Hersfeld" in text
    assert f"{n_planned} Besuche geplant, {len(plan.unassigned)} nicht eingeplant, " \
           f"{len(plan.rejected)} Zeilen abgelehnt" in text
    assert re.search(r"; [1-9]\d* Stadtteile gespeichert", text), text


class _TableParser(HTMLParser):
    """Rows of cell texts of the HTML table pandas renders (stdlib only: no lxml here)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _frame(table_html: str) -> pd.DataFrame:
    """The displayed DataFrame read back from its HTML (index column dropped)."""
    parser = _TableParser()
    parser.feed(table_html)
    header, *body = [r for r in parser.rows if r]
    assert header[0] == "", header  # the unnamed index column
    df = pd.DataFrame([r[1:] for r in body], columns=header[1:])
    for col in df.columns:
        converted = pd.to_numeric(df[col], errors="coerce")
        if converted.notna().all():
            df[col] = converted
    return df


def test_visits_per_district_table_and_chart(executed, planned_week) -> None:
    plan = planned_week.result.plan
    outputs = _outputs(executed, "besuche_je_stadtteil = visits_per_district(plan)")
    df = _frame(_html_table(outputs))
    assert list(df.columns) == ["stadtteil", "geplant", "nicht_eingeplant", "gesamt",
                                "entfallen"]
    assert df["entfallen"].sum() == 0  # nothing called off in a plan fresh from the planner
    n_planned = sum(len(r.stops) for r in plan.routes)
    assert n_planned > 0
    assert df["geplant"].sum() == n_planned
    assert df["nicht_eingeplant"].sum() == len(plan.unassigned)
    # 200 rows - 8 rejected = every valid client is either planned or unassigned
    assert df["gesamt"].sum() == 200 - len(plan.rejected)
    planned_by_district: dict[str, int] = {}
    for r in plan.routes:
        for s in r.stops:
            planned_by_district[s.district] = planned_by_district.get(s.district, 0) + 1
    assert dict(zip(df["stadtteil"], df["geplant"], strict=True)) == {
        **dict.fromkeys(df["stadtteil"], 0), **planned_by_district}
    chart = _outputs(executed, '.plot.barh(stacked=True')
    assert _png_count(chart) == 1


def test_travel_vs_visit_time_table_and_chart(executed, planned_week) -> None:
    plan = planned_week.result.plan
    df = _frame(_html_table(_outputs(executed, "zeit_je_team_tag = time_per_team_day(plan)")))
    assert len(df) == len(plan.routes)
    assert df["besuche"].sum() == sum(len(r.stops) for r in plan.routes)
    assert df["fahrt_min"].sum() == pytest.approx(sum(r.travel_s for r in plan.routes) / 60,
                                                  abs=0.1 * len(plan.routes))
    assert df["besuch_min"].sum() == pytest.approx(sum(r.service_s for r in plan.routes) / 60,
                                                   abs=0.1 * len(plan.routes))
    assert (df["fahrt_min"] > 0).all() and (df["besuch_min"] > 0).all()
    chart = _outputs(executed, '.plot.bar(stacked=True')
    assert _png_count(chart) == 1
    assert "Anteil Fahrt:" in "".join(_text_of(o) for o in chart)


def test_unassigned_reasons_and_rejected_rows(executed, planned_week) -> None:
    plan = planned_week.result.plan
    reasons = _frame(_html_table(_outputs(executed, "nicht_eingeplant = unassigned_reasons")))
    if plan.unassigned:
        assert reasons["anzahl"].sum() == len(plan.unassigned)
        assert set(reasons["grund"]) == {u.code for u in plan.unassigned}
    else:
        assert reasons.empty
    rejected = _frame(_html_table(_outputs(executed, "abgelehnt = pd.DataFrame(")))
    assert len(rejected) == len(plan.rejected) == 8
    assert sorted(rejected["zeile"]) == sorted(r.row for r in plan.rejected)


def _map_document(executed) -> str:
    outputs = _outputs(executed, "karte = embed_map_assets(")
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(htmls) == 1, "the map is not displayed inline"
    m = re.search(r'<iframe srcdoc="([^"]*)"', htmls[0])
    assert m, htmls[0][:300]
    return html.unescape(m.group(1))


def test_overview_map_is_inline_and_offline(executed, planned_week) -> None:
    plan = planned_week.result.plan
    doc = _map_document(executed)
    srcs = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*"([^"]*)"', doc)
    assert srcs, "no Leaflet assets referenced"
    remote = [s[:60] for s in srcs if not s.startswith("data:")]
    assert remote == [], remote
    from hausbesuch.config import load_profile

    assert load_profile("bad-hersfeld").map.tile_url in doc  # the profile's tile server
    n_planned = sum(len(r.stops) for r in plan.routes)
    assert doc.count("L.circleMarker(") == n_planned
    # district outlines come from the store (saved with the plan), one GeoJSON layer each
    from hausbesuch.store import Store

    with Store.open(planned_week.db_url) as store:
        n_districts = len(store.load_districts(plan.city))
    assert n_districts > 1
    assert doc.count("L.geoJson(") == n_districts
    assert re.search(r'overlays\s*:\s*\{\s*"Bezirke"', doc)


def test_no_client_name_in_any_output(executed, planned_week) -> None:
    texts = []
    for c in executed.cells:
        for o in c.get("outputs", []):
            texts.append(_text_of(o))
    joined = "\n".join(texts)
    assert len(joined) > 10_000  # tables and the map really are there
    for name in planned_week.names:
        assert name not in joined
    assert "Geheimname" not in joined


@pytest.mark.browser
def test_inline_map_renders_offline_in_chromium(executed, planned_week, tmp_path: Path) -> None:
    """The map as the notebook shows it, opened in headless Chromium: Leaflet runs from the
    embedded assets, one circle per planned visit, only the tile server is contacted."""
    from hausbesuch.maps import MapSettings
    from tests.browser import chromium_context, require_chromium, serve_directory

    require_chromium()
    plan = planned_week.result.plan
    (tmp_path / "karte.html").write_text(_map_document(executed), encoding="utf-8")
    tile_host = MapSettings().tile_host
    with serve_directory(tmp_path) as base, chromium_context(tile_host) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{base}/karte.html")
        page.wait_for_selector(".leaflet-marker-icon.hb-depot")
        page.wait_for_load_state("networkidle")
        n_circles = page.evaluate(
            "() => { let n = 0; Object.values(window).filter(v => v instanceof L.Map)"
            ".forEach(m => m.eachLayer(l => { if (l instanceof L.CircleMarker) n++; }));"
            " return n; }"
        )
        assert n_circles == sum(len(r.stops) for r in plan.routes)
        assert page.locator(".leaflet-marker-icon.hb-unassigned").count() == sum(
            1 for u in plan.unassigned if u.lon is not None)
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.locator(".hb-legend").count() == 1
        page.close()
    assert rec.violations == [], rec.violations
    assert rec.hosts() <= {"127.0.0.1", tile_host}, rec.hosts()
    assert rec.tiles, "the map requested no tiles"
    assert rec.console_errors == [] and rec.page_errors == [], (rec.console_errors,
                                                                 rec.page_errors)
