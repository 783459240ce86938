"""A long client list uploaded in the browser does not stop the server answering others.

The import (geocoding, storing) runs in a worker thread, not on the server's event loop: a
worker's phone or another coordinator gets answers while a list of thousands of rows is
read. Its own app over a fresh SQLite database, served by uvicorn on loopback.
"""

from __future__ import annotations

import csv
import random
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.web_fixtures import CITY_PROFILE, HEADER, PASSWORD, csrf_of, live_server, login

CITY = "Bad Hersfeld"
ROWS = 12_000  # several seconds of import even on a quiet machine (4,000 took 0.4 s)


def _long_list(path: Path, index) -> None:  # noqa: ANN001
    from hausbesuch.demo import real_addresses

    addrs = real_addresses(index)
    rng = random.Random(3)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i in range(ROWS):
            street, hn, pc, town = rng.choice(addrs)
            w.writerow([f"L{i:05d}", f"Name {i}", street, hn, pc, town or CITY, "01.01.2024",
                        "", "", "", "30", ""])


@pytest.mark.slow
def test_other_requests_are_answered_while_a_long_list_is_imported(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    app = create_app(f"sqlite:///{tmp_path / 'upload.sqlite'}", cities=[CITY_PROFILE])
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city=CITY)
    _long_list(tmp_path / "lang.csv", load_index(bad_hersfeld_pbf))
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=300) as kora:
        assert login(kora, "kora").status_code == 303
        csrf = csrf_of(kora.get("/kunden/import").text)
        kora.get("/adressen")  # the city's geocoder is ready before the clock starts
        done: dict[str, float] = {}

        def upload() -> None:
            with open(tmp_path / "lang.csv", "rb") as fh:
                r = kora.post("/kunden/import", data={"csrf_token": csrf},
                              files={"datei": ("lang.csv", fh, "text/csv")})
            assert r.status_code == 200, r.text[-500:]
            done["upload"] = time.monotonic()

        thread = threading.Thread(target=upload)
        started = time.monotonic()
        thread.start()
        answered = []
        with httpx.Client(base_url=live.url, timeout=300) as other:
            while thread.is_alive():
                asked = time.monotonic()
                assert other.get("/anmelden").status_code == 200
                answered.append((asked, time.monotonic()))
                time.sleep(0.05)
        thread.join()
    took = done["upload"] - started
    # the import took a while, and pages asked for meanwhile were answered meanwhile
    during = [(a, b) for a, b in answered if b < done["upload"]]
    assert took > 0.5, f"the list was read in {took:.2f} s: too short to tell"
    assert len(during) >= 3, (took, answered)
    assert max(b - a for a, b in during) < took / 2
