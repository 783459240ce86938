"""``hausbesuch network``: build (or load from the cache) a street network and describe it."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from hausbesuch.commands._common import CityOption, OsmOption, count, user_errors


def register(app: typer.Typer) -> None:
    @app.command("network")
    @user_errors
    def network(
        city: CityOption = None,
        osm: OsmOption = None,
        mode: Annotated[
            str | None, typer.Option("--mode", help="walk, bike oder drive (Standard: aus dem Profil).")
        ] = None,
        walk_kmh: Annotated[float, typer.Option(help="Gehgeschwindigkeit in km/h.")] = 4.5,
        bike_kmh: Annotated[float, typer.Option(help="Radgeschwindigkeit in km/h.")] = 15.0,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Cache nicht benutzen.")] = False,
    ) -> None:
        """Straßennetz eines OSM-Auszugs bauen (oder aus dem Cache laden) und als JSON beschreiben."""
        from geodata.network import NetworkSettings, check_mode, load_network
        from hausbesuch.config import load_profile, resolve_osm

        profile = load_profile(city)
        chosen_mode = check_mode(mode or profile.default_mode)
        settings = NetworkSettings(walk_kmh=walk_kmh, bike_kmh=bike_kmh)
        path = resolve_osm(profile, osm, progress=lambda msg: typer.echo(msg, err=True))
        t0 = time.perf_counter()
        net = load_network(path, chosen_mode, settings, use_cache=not no_cache)
        seconds = time.perf_counter() - t0
        out = net.summary()
        out.update(
            {
                "osm": str(path),
                "seconds": round(seconds, 4),
                "cache": net.cache if net.cache != "none" else "miss",
            }
        )
        typer.echo(json.dumps(out, ensure_ascii=False))
        typer.echo(
            f"{net.n_nodes} Knoten, {count(net.n_edges, 'Kante', 'Kanten')}; "
            f"{net.dropped_nodes} Knoten außerhalb "
            "der größten stark zusammenhängenden Komponente entfernt.",
            err=True,
        )
