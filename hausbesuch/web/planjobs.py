"""The planning jobs the web app queues (``plan`` and ``replan``).

A job plans the city's stored clients for a span and stores the result as a new plan in
one transaction (a job that fails stores nothing). The client list handed to the planner
is written without names into a private temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hausbesuch.config import Profile, load_profile
from hausbesuch.errors import UserError
from hausbesuch.store import Store
from hausbesuch.web.jobs import Job, handler


def profile_for(job: Job) -> Profile:
    """The city profile the job was queued with (short name or path)."""
    profile = load_profile(job.params.get("profile"))
    if profile.name != job.city:
        raise UserError(f"Das Stadtprofil {job.params.get('profile')!r} gehört nicht zu "
                        f"„{job.city}“.")
    return profile


def _write_clients(store: Store, city: str, path: Path) -> int:
    """The city's clients as a client list without names; returns the row count."""
    clients = store.load_clients(city)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Adresse", "Kontaktabbruch seit", "Sprache", "Zeitfenster",
                    "Angekündigt ab", "Besuchsdauer", "Notiz"])
        for c in clients:
            w.writerow([c.id, c.address,
                        c.kontakt_abbruch_seit.isoformat() if c.kontakt_abbruch_seit else "",
                        ", ".join(c.sprache), "; ".join(s.text for s in c.zeitfenster if s.text),
                        c.angekuendigt_ab.isoformat() if c.angekuendigt_ab else "",
                        c.besuchsdauer_min or "", c.notiz or ""])
    return len(clients)


def _plan(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    from hausbesuch.planning import PlanOptions, plan_week
    from hausbesuch.teams import teams_for_profile

    profile = profile_for(job)
    p = job.params
    options = PlanOptions(start=date.fromisoformat(p["start"]), days=int(p["days"]),
                          time_limit=float(p.get("time_limit", 30.0)), seed=1, threads=1)
    with tempfile.TemporaryDirectory(prefix="hausbesuch-job-") as tmp:
        path = Path(tmp) / "kunden.csv"
        if _write_clients(store, job.city, path) == 0:
            raise UserError("Es sind noch keine Kundinnen und Kunden gespeichert: "
                            "bitte zuerst eine Kundenliste hochladen.")
        result = plan_week(path, profile=profile, options=options,
                           teams=teams_for_profile(profile), progress=progress)
    progress("Plan speichern", 0.98)
    d = result.districts
    store.save_districts(profile.name, zip(d.names, d.geometries, strict=True), source=d.source)
    plan_id = store.save_plan(result.plan)
    store.audit(job.created_by, "plan_created", city=job.city, plan_id=plan_id,
                details={"job": job.id, "kind": job.kind})
    return plan_id


@handler("plan")
def plan_job(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    return _plan(store, job, progress)


@handler("replan")
def replan_job(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    return _plan(store, job, progress)
