"""``hausbesuch serve``, ``worker``, ``user`` and ``link``: the web app and its administration."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hausbesuch.commands._common import parse_day_option, parse_moment_option, user_errors
from hausbesuch.errors import UserError
from hausbesuch.fields import format_day, format_moment

DbOption = Annotated[
    str | None, typer.Option("--db", help="Datenbank-URL (Standard: SQLite im Benutzerordner).")
]


def _open(db: str | None, *, create: bool = False):  # noqa: ANN202
    """The store; only ``user add`` makes a new SQLite file (``create``): the commands that
    change what is stored refuse a mistyped ``--db`` instead of making an empty database."""
    from hausbesuch.store import Store

    return Store.open(db, create=create)


def _read_password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = typer.prompt("Passwort", hide_input=True)
    second = typer.prompt("Passwort wiederholen", hide_input=True)
    if first != second:
        raise UserError("Die beiden Passwörter stimmen nicht überein.")
    return first


def _resolve(host: str, port: int):  # noqa: ANN202
    """``host``:``port`` as uvicorn binds it (family, kind, proto, _, address), or a German
    :class:`UserError` naming the option."""
    import socket

    # uvicorn's rule: IPv6 only for an address with a colon; a name (localhost) is
    # bound on IPv4, so that a proxy on 127.0.0.1 reaches it and is trusted (--proxy)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM,
                                  flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError):
        raise UserError(f"--host {host}: diese Adresse ist unbekannt (z. B. 127.0.0.1 oder "
                        "0.0.0.0 angeben).") from None


def _bind(host: str, port: int):  # noqa: ANN202
    """A socket bound to ``host``:``port`` (as uvicorn binds it) and listening, or a German
    :class:`UserError` naming the option. Listening before ``serve`` says „läuft“: a start
    script or health check that connects as soon as the line appears is not refused (the
    kernel holds the connection until uvicorn accepts it)."""
    import errno
    import socket

    family, kind, proto, _name, address = _resolve(host, port)
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)  # uvicorn's default backlog; uvicorn listens again, harmlessly
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            reason = f"Port {port} ist schon belegt (läuft hausbesuch schon?)"
        elif exc.errno == errno.EADDRNOTAVAIL:
            reason = f"--host {host}: diese Adresse hat der Rechner nicht"
        elif exc.errno == errno.EACCES:
            reason = f"Port {port}: keine Berechtigung (Ports unter 1024 nur mit Administratorrechten, root)"
        else:
            reason = f"--host {host} --port {port}: kann nicht lauschen ({exc.strerror})"
        raise UserError(f"{reason}.") from None
    sock.set_inheritable(True)
    return sock


#: The format of the server's and worker's log lines (on stderr).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """Log lines of ``serve`` and ``worker`` on stderr, with their moment: the app's
    (``hausbesuch.*``: logins, jobs claimed, done, failed and reaped, by id) from INFO on,
    other libraries' from WARNING on. The app never logs a client's data or name."""
    import logging

    class Stderr(logging.StreamHandler):
        """Writes to the current ``sys.stderr`` (a command run in-process, e.g. by a test
        runner, may have replaced it since)."""

        @property  # type: ignore[override]
        def stream(self):  # noqa: ANN202
            return sys.stderr

        @stream.setter
        def stream(self, _value) -> None:  # noqa: ANN001
            pass

    root = logging.getLogger()
    if not any(getattr(h, "_hausbesuch", False) for h in root.handlers):
        handler = Stderr()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler._hausbesuch = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("hausbesuch").setLevel(logging.INFO)


#: What ``worker`` says at its first SIGTERM or Strg+C.
STOPPING = ("Beende nach dem laufenden Auftrag … (sofort beenden: Strg+C bzw. das Signal "
            "erneut senden; ein abgebrochener Auftrag gilt dann als fehlgeschlagen).")


#: The link's address when ``link`` has no ``--base-url``: ``serve``'s default.
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def _base_url(value: str) -> str:
    """``serve --base-url``: the address as links are built from it (scheme, host in IDNA
    as a browser sends it in ``Host``, port; no path), or a German :class:`UserError`."""
    import ipaddress
    import re
    from urllib.parse import urlsplit

    bad = (f"--base-url {value}: bitte die Adresse angeben, unter der die Teams den Server "
           "erreichen, mit https:// oder http:// und ohne Pfad, z. B. "
           "https://hausbesuch.example.de")
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise UserError(bad + ".") from None
    if port == 0:
        raise UserError(bad + ".")
    host = (parts.hostname or "").removesuffix(".")
    if (parts.scheme not in ("http", "https") or not host or parts.username is not None
            or parts.password is not None or parts.query or parts.fragment
            or "?" in value or "#" in value or parts.path not in ("", "/")):
        raise UserError(bad + ".")
    if ":" in host:  # IPv6, written in brackets
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            raise UserError(bad + ".") from None
        netloc = f"[{host}]"
    else:
        import idna

        try:  # as a browser sends it (UTS #46, IDNA 2008: „straße“ stays, not „strasse“)
            host = idna.encode(host, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError):
            raise UserError(bad + ".") from None
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*",
                            host):
            raise UserError(bad + ".")
        if re.fullmatch(r"[0-9.]+|0x[0-9a-f]+|.*\.[0-9]+", host):
            # a number is an IPv4 address: only as the browser writes it (127.0.0.1)
            try:
                if str(ipaddress.IPv4Address(host)) != host:
                    raise ValueError(host)
            except ValueError:
                raise UserError(bad + ".") from None
        netloc = host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}"


def _serve_hosts(host: str, address: str, *, proxy: bool, base_url: str | None,
                 insecure_http: bool) -> tuple[list[str] | None, list[str]]:
    """What ``serve`` allows: the host names a request's ``Host`` may name (None: any) and
    the German warnings to print at the start; or a :class:`UserError` for plain HTTP on
    the network (an address not on loopback without ``--proxy`` or ``--insecure-http``).

    ``address`` is the address ``host`` resolves to (what the socket binds);
    ``base_url`` the checked ``--base-url``."""
    import ipaddress

    from hausbesuch.web.app import LOOPBACK_HOSTS, host_name

    ip = ipaddress.ip_address(address.split("%", 1)[0])
    warnings: list[str] = []
    if not ip.is_loopback:
        if proxy and not insecure_http:
            # the proxy runs on this machine and reaches the server on 127.0.0.1 (the only
            # address whose X-Forwarded-* are trusted): an address on the network would
            # answer everyone beside the proxy, over plain HTTP
            raise UserError(
                f"--host {host}: mit --proxy bitte nur an 127.0.0.1 lauschen (der "
                "TLS-Reverse-Proxy läuft auf diesem Rechner); an dieser Adresse wäre der "
                "Server im Netz auch am Proxy vorbei über unverschlüsseltes HTTP erreichbar. "
                "Nur wer das bewusst will (ein abgeschottetes Testnetz): --insecure-http.")
        if not insecure_http:
            raise UserError(
                f"--host {host}: ohne --proxy liefe der Server im Netz über unverschlüsseltes "
                "HTTP; Passwörter, Sitzungs-Cookies und die Tageslinks des Außendienstes "
                "gingen lesbar über das Netz. Bitte hinter einem TLS-Reverse-Proxy auf "
                "diesem Rechner betreiben (--proxy) oder nur an 127.0.0.1 lauschen. Nur wer "
                "das bewusst will (ein abgeschottetes Testnetz): --insecure-http.")
        warnings.append(
            f"Warnung: --insecure-http: der Server lauscht an {host} über unverschlüsseltes "
            "HTTP; Passwörter, Sitzungs-Cookies und Tageslinks gehen lesbar über das Netz.")
    if base_url is None and (proxy or ip.is_unspecified):
        warnings.append(
            "Warnung: ohne --base-url ist nicht bekannt, unter welcher Adresse die Teams "
            "den Server erreichen: Tageslinks und QR-Codes nehmen die Adresse aus der Anfrage "
            "(ihrer Host-Angabe), und Anfragen an jeden Rechnernamen werden beantwortet. "
            "Bitte --base-url angeben, z. B. --base-url https://hausbesuch.example.de.")
        return None, warnings
    allowed = list(LOOPBACK_HOSTS)
    if base_url is not None:
        allowed.append(host_name(base_url.split("://", 1)[1]))
    if not ip.is_unspecified:
        allowed += [host_name(host), str(ip)]
    return list(dict.fromkeys(allowed)), warnings



#: ``user list``: why a new password is asked for (``web.models.WHY_TEMPORARY``,
#: ``WHY_RULES``; an account asked before the reason was kept gets none)
_WHY_WORDS = {"vorlaeufig": " (vorläufiges Passwort)",
              "regeln": " (Passwort entspricht nicht den Regeln)"}
#: the sentence on a password set for someone else (``user add``, ``user password``)
_FIRST_LOGIN = (" Das Passwort ist vorläufig: bei der nächsten Anmeldung wird ein eigenes "
                "verlangt, vorher öffnet sich keine andere Seite.")
#: ``--eigenes-passwort`` (QA 42b F9: a password the administrator set stayed for good)
OWN_HELP = ("Das Passwort gibt die Person des Kontos selbst ein (ihr eigenes): bei der "
            "nächsten Anmeldung wird kein neues verlangt. Ohne diese Angabe ist es "
            "vorläufig.")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @user_errors
    def serve(
        db: DbOption = None,
        host: Annotated[str, typer.Option("--host", help="Adresse, an der der Server lauscht.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port (1–65535).")] = 8000,
        city: Annotated[list[str] | None, typer.Option(
            "--city", help="Stadtprofil(e), die der Server anbietet (mehrfach möglich; Standard: kassel).")] = None,
        no_worker: Annotated[bool, typer.Option(
            "--no-worker", help="Planungen nicht im Server rechnen (dafür läuft „hausbesuch worker“).")] = False,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Rechenzeit je Planung in Sekunden.")] = 30.0,
        proxy: Annotated[bool, typer.Option(
            "--proxy", help="Hinter einem TLS-Reverse-Proxy: X-Forwarded-Proto/-For von 127.0.0.1 übernehmen.")] = False,
        base_url: Annotated[str | None, typer.Option(
            "--base-url", help="Adresse, unter der die Teams den Server erreichen (z. B. "
            "https://hausbesuch.example.de): Tageslinks und QR-Codes nehmen sie, nie die "
            "Adresse der Anfrage; nur Anfragen an diesen Namen (und localhost) werden beantwortet.")] = None,
        insecure_http: Annotated[bool, typer.Option(
            "--insecure-http", help="An einer Adresse im Netz ohne --proxy lauschen, also "
            "unverschlüsselt (nur für ein abgeschottetes Testnetz).")] = False,
    ) -> None:
        """Web-Oberfläche starten: Koordination im Browser, Tageslinks für den Außendienst."""
        import uvicorn

        from hausbesuch.planning.options import time_limit_problem
        from hausbesuch.web.app import create_app

        if not 1 <= port <= 65535:
            raise UserError(f"--port: zwischen 1 und 65535, erhalten {port}.")
        if problem := time_limit_problem(time_limit):  # the web's plans: plan's limits
            raise UserError(problem)
        base = _base_url(base_url) if base_url is not None else None
        address = _resolve(host, port)[4][0]
        allowed, warnings = _serve_hosts(host, address, proxy=proxy, base_url=base,
                                         insecure_http=insecure_http)
        application = create_app(db, cities=city or None, run_jobs=not no_worker,
                                 plan_time_limit=time_limit,
                                 base_url=base, allowed_hosts=allowed)
        # bound and listening before the banner (which then means "accepting"): a busy
        # port or an address this machine lacks is told
        # in German instead of „läuft“ followed by uvicorn's English error
        sock = _bind(host, port)
        configure_logging()
        config = uvicorn.Config(application, host=host, port=port, proxy_headers=proxy,
                                forwarded_allow_ips="127.0.0.1" if proxy else None,
                                log_level="warning", access_log=False, server_header=False)
        for line in warnings:
            typer.echo(line, err=True)
        reach = f"; für die Teams: {base}/" if base else ""
        typer.echo(f"hausbesuch läuft auf http://{host}:{port}/{reach} (Beenden mit Strg+C)")
        try:
            _server_class(uvicorn)(config).run(sockets=[sock])
        finally:
            sock.close()
            # a second Strg+C ends uvicorn without its shutdown (the runner's stop): the
            # solver's child would otherwise be waited for until its solve ends
            from hausbesuch.planning import solver_process

            solver_process.close_shared(kill=True)

    @app.command("worker")
    @user_errors
    def worker(
        db: DbOption = None,
        threads: Annotated[int, typer.Option("--threads", help="Gleichzeitige Planungen.")] = 1,
    ) -> None:
        """Planungsaufträge abarbeiten (für „serve --no-worker“; mit PostgreSQL über Procrastinate, auch auf anderen Rechnern)."""
        from hausbesuch.web import planjobs  # noqa: F401  (registers the job handlers)
        from hausbesuch.web.jobs import JobRunner

        store = _open(db)
        try:
            store.check_writable()
        except BaseException:
            store.close()
            raise
        configure_logging()
        typer.echo(f"Warte auf Planungsaufträge in {store.url} (Beenden mit Strg+C)")

        def stopping() -> None:
            typer.echo(STOPPING, err=True)

        try:
            if store.engine.dialect.name == "postgresql":
                from hausbesuch.web.pgqueue import run_worker

                run_worker(store, concurrency=threads, on_signal=stopping,
                           ready=lambda: typer.echo("Bereit (Procrastinate).", nl=True))
            else:
                JobRunner(store, workers=threads).run_forever(on_signal=stopping)
        except KeyboardInterrupt:
            pass
        finally:
            store.close()

    def _lifted(count: int) -> str:
        """The sentence on a lifted login lockout (``count`` failed logins had locked it)."""
        if not count:
            return ""
        return (f" Die Anmeldesperre nach {count} fehlgeschlagenen Anmeldungen ist "
                "aufgehoben; die Anmeldung ist sofort wieder möglich.")

    user_app = typer.Typer(help="Benutzerkonten der Web-Oberfläche verwalten.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @user_app.command("add")
    @user_errors
    def user_add(
        name: Annotated[str, typer.Argument(
            help="Benutzername: Buchstaben (auch ä, ö, ü, ß), Ziffern 0–9 und . - _")],
        role: Annotated[str, typer.Option("--role", help="Rolle: admin oder koordination. [Pflicht]")] = "",
        city: Annotated[str | None, typer.Option(
            "--city", help="Stadtprofil des Kontos (Pflicht für koordination), z. B. bad-hersfeld.")] = None,
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Passwort aus der Standardeingabe lesen statt abzufragen.")] = False,
        own: Annotated[bool, typer.Option("--eigenes-passwort", help=OWN_HELP)] = False,
        db: DbOption = None,
    ) -> None:
        """Ein Konto anlegen (Passwort mit mindestens 12 Zeichen und 6 verschiedenen Buchstaben
        oder Ziffern, ohne Benutzernamen, Stadt und „hausbesuch“, keine Folge, keine
        Tastenfolge, kein häufiges Passwort)."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.config import load_profile
        from hausbesuch.web.auth import add_user, check_name

        if not role:
            raise UserError("--role fehlt: admin oder koordination.")
        check_name(name)  # before the password is asked for
        city_name = load_profile(city).name if city else None
        password = _read_password(password_stdin)
        with _open(db, create=True) as store:
            # audited with the account's city (none for an admin) in the same transaction
            name = add_user(store, name, password, role=role, city=city_name,
                            actor=cli_actor(), temporary=not own)
        typer.echo(f"Konto „{name}“ ({role}{', ' + city_name if city_name else ''}) angelegt."
                   + ("" if own else _FIRST_LOGIN))

    @user_app.command("list")
    @user_errors
    def user_list(db: DbOption = None) -> None:
        """Alle Konten zeigen: Rolle, Stadt, Zustand (gesperrt, Anmeldesperre, neues
        Passwort verlangt), angelegt, Passwort geändert, letzte Anmeldung."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.web.auth import list_users, shown_name

        with _open(db) as store:
            accounts = list_users(store, actor=cli_actor())
        if not accounts:
            typer.echo("Keine Konten. Anlegen mit: hausbesuch user add NAME --role admin")
            return
        roles = {"admin": "Administration", "koordination": "Koordination"}
        typer.echo("Konto | Rolle | Stadt | Zustand | angelegt | Passwort geändert | "
                   "letzte Anmeldung")
        for a in accounts:
            state = [w for w, on in (
                ("gesperrt", a.disabled),
                (f"Anmeldesperre ({a.locked_by} Fehlversuche)" if not a.locked_addresses
                 else f"Anmeldesperre für {a.locked_addresses} "
                      f"{'Adresse' if a.locked_addresses == 1 else 'Adressen'} "
                      f"({a.locked_by} Fehlversuche; andere Adressen melden sich an)",
                 a.locked_by),
                # a browser locked out by its device cookie (never the cookie itself)
                (f"Anmeldesperre für {a.locked_devices} Browser mit Gerätecookie "
                 f"({a.device_failures} Fehlversuche)",
                 a.locked_devices),
                ("neues Passwort verlangt" + _WHY_WORDS.get(a.must_change_why or "", ""),
                 a.must_change)) if on] or ["aktiv"]
            last = f"{a.last_login:%d.%m.%Y %H:%M}" if a.last_login else "–"
            typer.echo(f"{shown_name(a.name)} | {roles.get(a.role, a.role)} | "
                       f"{a.city or 'alle Städte'} | {', '.join(state)} | "
                       f"{a.created_at:%d.%m.%Y} | {a.password_changed_at:%d.%m.%Y} | {last}")

    @user_app.command("disable")
    @user_errors
    def user_disable(
        name: Annotated[str, typer.Argument(help="Benutzername.")],
        db: DbOption = None,
    ) -> None:
        """Ein Konto sperren und seine Sitzungen beenden."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.web.auth import disable_user, shown_name

        with _open(db) as store:
            # audited with the account's city in the same transaction
            account = disable_user(store, name, actor=cli_actor())
        typer.echo(f"Konto „{shown_name(account.name)}“ gesperrt.")

    @user_app.command("password")
    @user_errors
    def user_password(
        name: Annotated[str, typer.Argument(help="Benutzername.")],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Passwort aus der Standardeingabe lesen statt abzufragen.")] = False,
        own: Annotated[bool, typer.Option("--eigenes-passwort", help=OWN_HELP)] = False,
        db: DbOption = None,
    ) -> None:
        """Einem Konto ein neues Passwort geben (mindestens 12 Zeichen und 6 verschiedene
        Buchstaben oder Ziffern, ohne Benutzernamen, Stadt und „hausbesuch“, keine Folge,
        keine Tastenfolge, kein häufiges Passwort) und alle seine Sitzungen beenden."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.web.auth import set_password, shown_name

        with _open(db) as store:  # a mistyped --db is told before the password is asked
            password = _read_password(password_stdin)
            done = set_password(store, name, password, actor=cli_actor(), temporary=not own)
        typer.echo(f"Neues Passwort für „{shown_name(done.user.name)}“ gesetzt; seine Sitzungen "
                   "sind beendet." + _lifted(done.lifted) + ("" if own else _FIRST_LOGIN))

    @user_app.command("enable")
    @user_errors
    def user_enable(
        name: Annotated[str, typer.Argument(help="Benutzername.")],
        db: DbOption = None,
    ) -> None:
        """Ein gesperrtes Konto wieder freigeben und eine Anmeldesperre nach zu vielen
        fehlgeschlagenen Anmeldungen aufheben."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.web.auth import enable_user, shown_name

        with _open(db) as store:
            done = enable_user(store, name, actor=cli_actor())
        shown = shown_name(done.user.name)
        if done.was_disabled:
            typer.echo(f"Konto „{shown}“ wieder freigegeben." + _lifted(done.lifted))
        else:
            typer.echo(f"Das Konto „{shown}“ war nicht gesperrt." + _lifted(done.lifted))

    @app.command("link")
    @user_errors
    def link(
        plan: Annotated[str | None, typer.Argument(
            metavar="PLAN", help="Plan-Kennung (siehe „hausbesuch plans“).")] = None,
        team: Annotated[str | None, typer.Argument(metavar="TEAM", help="Team-Kennung.")] = None,
        day: Annotated[str | None, typer.Argument(metavar="TAG", help="Tag, z. B. 2026-12-08.")] = None,
        valid_until: Annotated[str | None, typer.Option(
            "--valid-until", help="Gültig bis, z. B. \"2026-12-08 20:00\" (Standard: Ende des Tages; "
            "erlaubt: nach Beginn des Tages bis zum Ende des 3. Tages danach oder des nächsten "
            "Arbeitstags). Der Link gilt ab "
            "0:00 Uhr am Tag vor TAG.")] = None,
        revoke: Annotated[str | None, typer.Option(
            "--revoke", help="Den Link widerrufen, der mit diesen Zeichen beginnt (mindestens 6).")] = None,
        base_url: Annotated[str | None, typer.Option(
            "--base-url", help="Adresse, unter der die Teams den Server erreichen, für den "
            "vollständigen Link (Standard: http://127.0.0.1:8000, nur auf diesem Rechner).")] = None,
        db: DbOption = None,
    ) -> None:
        """Tageslink für den Außendienst erzeugen (Pfad und vollständige Adresse) oder widerrufen."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.web.links import create_link, link_path
        from hausbesuch.web.links import revoke as revoke_link

        base = _base_url(base_url or LOCAL_BASE_URL)  # checked before a link is made
        with _open(db) as store:
            if revoke:
                if plan or team or day:
                    raise UserError("--revoke nimmt keine weiteren Argumente.")
                found = revoke_link(store, revoke, actor=cli_actor())
                store.audit(cli_actor(), "worker_link_revoked", city=found.city, plan_id=found.plan_id,
                            details={"link": found.prefix, "team": found.team_id,
                                     "day": found.day.isoformat()})
                typer.echo(f"Link {found.prefix}… ({found.team_id}, {format_day(found.day)}) "
                           "widerrufen.")
                return
            if not (plan and team and day):
                missing = [n for n, v in (("PLAN", plan), ("TEAM", team), ("TAG", day)) if not v]
                names = " und ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1
                                     else missing)
                raise UserError(f"{names} {'fehlt' if len(missing) == 1 else 'fehlen'}: "
                                "hausbesuch link PLAN TEAM TAG (oder --revoke PRÄFIX).")
            until = parse_moment_option(valid_until, "--valid-until") if valid_until else None
            token, made = create_link(store, plan, team, parse_day_option(day, "TAG"), actor=cli_actor(),
                                      valid_until=until, option="--valid-until")
            store.audit(cli_actor(), "worker_link_created", city=made.city, plan_id=plan,
                        details={"link": made.prefix, "team": team, "day": made.day.isoformat(),
                                 "valid_until": made.valid_until.isoformat()})
        path = link_path(token)
        typer.echo(f"Pfad: {path}")
        typer.echo(f"Link: {base}{path}")
        if base_url is None:
            typer.echo(f"Hinweis: ohne --base-url nennt der Link {LOCAL_BASE_URL}, was nur auf "
                       "diesem Rechner erreichbar ist; für die Telefone die Adresse angeben, "
                       "unter der die Teams den Server erreichen (--base-url "
                       "https://hausbesuch.example.de).", err=True)
        typer.echo(f"Gültig ab {format_moment(made.valid_from)} (vorher zeigt er keine Daten) "
                   f"bis {format_moment(made.valid_until)}; widerrufen mit: "
                   f"hausbesuch link --revoke {made.prefix}")


def _server_class(uvicorn):  # noqa: ANN001, ANN202 - the module, imported by serve
    """uvicorn's server that ends the solver's child before the process ends.

    Stopped by a signal (Strg+C, a service manager's SIGTERM), uvicorn raises that signal
    again once it has shut down, so that the process ends as killed by it: no ``finally``
    of ``serve`` and no exit handler runs after that. The child and the queues of its pool
    are therefore ended here, after the app's shutdown (its job runner marks the jobs it
    gives up); otherwise the semaphores of the queues stayed behind and Python's resource
    tracker warned about „leaked semaphore objects“ at every stop after a plan job."""

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None) -> None:  # noqa: ANN001
            import asyncio

            from hausbesuch.planning import solver_process

            try:
                await super().shutdown(sockets=sockets)
            finally:
                await asyncio.to_thread(solver_process.close_shared, kill=True)

    return Server
