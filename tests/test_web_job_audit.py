"""A planning job that fails on clients' addresses (QA round 16 b, 2a): the stored message
names the case ids and points to *Adressen*, never the address or its c/o name; the
failure is audited (``plan_job_failed``) and so is every view of its message
(``auftrag_angezeigt``), both with the case ids.

Over the web app on its own SQLite database (Bad Hersfeld, the real OSM extract).
"""

from __future__ import annotations

import json

from hausbesuch.auditlog import AuditFilter, read
from tests.web_fixtures import PASSWORD, START_ISO, csrf_of, login

STREET, CARE_OF = "Nirgendwostraßeqq", "c/o Gundolfina Quastwerkjob"


def test_a_failed_job_names_cases_not_addresses_and_is_audited(tmp_path) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    csv = tmp_path / "k.csv"
    csv.write_text("Kundennummer;Straße;Hausnummer;Adresszusatz;PLZ;Ort\n"
                   f"J01;{STREET};5;{CARE_OF};36251;Bad Hersfeld\n"
                   "J02;Gibtsnichtwegqq;7;;36251;Bad Hersfeld\n", encoding="utf-8")
    app = create_app(f"sqlite:///{tmp_path / 'j.sqlite'}", cities=["bad-hersfeld"],
                     run_jobs=False)
    web = app.state.web
    store = web.store
    report = casework_api.import_clients(store, web.profile("Bad Hersfeld"), str(csv), "test")
    assert report["rejected"] == [], report
    add_user(store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "kora").status_code in (200, 303)
        csrf = csrf_of(c.get("/plaene").text)
        r = c.post("/plaene/neu", data={"csrf_token": csrf, "start": START_ISO, "tage": "2",
                                        "stadt": "Bad Hersfeld"}, follow_redirects=False)
        assert r.status_code == 303, r.text[-800:]
        job_id = r.headers["location"].rsplit("/", 1)[1]
        runner = jobs.JobRunner(store)
        claimed = runner.claim()
        assert claimed is not None and claimed.id == job_id
        runner.run(claimed)
        job = jobs.get(store, job_id)
        assert job.status == "fehlgeschlagen", job
        # the stored message: the case ids and where to correct them, no address
        for text in (job.error, c.get(f"/auftraege/{job_id}").text,
                     c.get(f"/auftraege/{job_id}/stand").text):
            assert STREET not in text and "Gundolfina" not in text and "Gibtsnicht" not in text
            assert "J01" in text and "J02" in text and "„Adressen“" in text, text[-1500:]
            assert "hausbesuch " not in text  # no command line on a web page
        assert json.loads(c.get(f"/auftraege/{job_id}/stand").text)["error"] == job.error
    rows = store.audit_rows()
    failed = [r for r in rows if r["action"] == "plan_job_failed"]
    assert [(r["actor"], r["details"]) for r in failed] == \
        [("kora", {"job": job_id, "kundennummern": ["J01", "J02"]})]
    views = [r for r in rows if r["action"] == "auftrag_angezeigt"]
    assert len(views) == 3 and all(  # the page and two looks at its state
        r["details"] == {"job": job_id, "kundennummern": ["J01", "J02"]} for r in views)
    assert "Gundolfina" not in json.dumps([r["details"] for r in rows], ensure_ascii=False)
    # the case's own answer (audit --kundennummer) holds the failure and the views
    mine = {r["action"] for r in read(store, AuditFilter(client_id="J01"))}
    assert {"plan_job_failed", "auftrag_angezeigt"} <= mine
