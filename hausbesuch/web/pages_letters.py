"""Announcement and correction letters of a plan in the web (QA 45c F1): the plan page's
section „Ankündigungsschreiben“ and its buttons, which run what ``hausbesuch letters``
(``--correction``) runs (:func:`hausbesuch.letters.run_letters`: the same choice of
visits, records and audit) into a temporary folder and send it as one ZIP (the single
PDFs, the team-day PDFs, ``LIESMICH.txt`` in the web's words); nothing stays on the
server's disk. Letters hold names and addresses: the button asks for the password again
after :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES`, as *Link erzeugen* does."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from hausbesuch.errors import UserError
from hausbesuch.web.app import ctx, load_session, web_reason
from hausbesuch.web.auth import FRESH_AUTH_MINUTES, User, require_user
from hausbesuch.web.pages_login import fresh_or_confirmed, needs_password, retry_after
from hausbesuch.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])

#: The form's two kinds (its field ``art``): announcements, corrections.
KINDS = ("ankuendigung", "korrektur")

#: What the letter run says with a ``[brief]`` key or an option of the command, and what
#: the web says instead: the settings are the administration's, the options this page's.
_LETTER_HINTS = (
    (re.compile(r"Mit (?:--correction )?--reprint noch einmal drucken"),
     "Mit „Nachdruck“ noch einmal drucken"),
    (re.compile(r"Bitte Korrekturbriefe schreiben: hausbesuch letters \S+ --correction "
                r"--out <neuer Ordner>"),
     "Bitte Korrekturbriefe schreiben (Schaltfläche „Korrekturbriefe“ unter "
     "„Ankündigungsschreiben“)"),
    (re.compile(r"der Text aus \[brief\] \w+ ist zu lang"), "der Brieftext ist zu lang"),
    (re.compile(r"Besser: \[brief\] \w+ kürzen,"),
     "Besser: den Brieftext kürzen (Einstellung der Administration),"),
    (re.compile(r"\(\[brief\] folge_betreff und folge_text: "), "(Folgetext: "),
    (re.compile(r"Grund: \[brief\] .*$"),
     "Grund: der eigene Folgetext (Einstellung der Administration) nennt das Datum eines "
     "früheren Briefs, den diese Fälle nicht haben."),
    # any other key: the administration's setting, not the key
    (re.compile(r"(?:im Profil,? )?\[brief\] \w+"), "Briefeinstellung der Administration"),
)

#: The words of the ``[brief]`` keys every letter needs (:func:`missing_sender`).
_SENDER_WORDS = {"telefon": "die Telefonnummer für Rückfragen",
                 "absender": "der Absender", "anschrift": "die Anschrift des Absenders"}


def letter_words(text: str) -> str:
    """A line of a letter run (:func:`hausbesuch.letters.report_lines`, a refusal) as the
    web says it: no command line (:func:`web_reason`), no profile key as the remedy."""
    text = web_reason(text)
    for pattern, words in _LETTER_HINTS:
        text = pattern.sub(words, text)
    return text


def sender_refusal(profile: Any) -> str | None:
    """The web's refusal of a profile without what every letter carries
    (:func:`hausbesuch.letters.check_sender`), None when it has it."""
    from hausbesuch.letters import missing_sender

    missing = missing_sender(profile)
    if not missing:
        return None
    what = " und ".join(_SENDER_WORDS[k] for k in missing)
    return (f"Briefe können noch nicht geschrieben werden: in den Briefeinstellungen der "
            f"Stadt fehlt {what}. Bitte die Administration bitten, sie einzutragen.")


def letters_section(request: Request, store: Any, plan: Any, newest: str) -> dict | None:
    """What the plan page's section „Ankündigungsschreiben“ shows before a click: the
    visits on today or later without and with a letter, the visits waiting for a
    correction or cancellation letter, whether the buttons ask for the password. None on
    a replaced version (its letters are the newest version's)."""
    from hausbesuch.letters import due_corrections, letter_counts

    if newest != plan.id:
        return None
    wait, have = letter_counts(store, plan)
    return {"wait": wait, "have": have, "due": len(due_corrections(store, plan)),
            "reauth": needs_password(request), "fresh_minutes": FRESH_AUTH_MINUTES}


def _refused(request: Request, user: User, plan_id: str, lines: list[str], *,
             status: int = 400, kind: str = "ankuendigung") -> Response:
    """The plan page with the letters' message (``lines``: the first is the message,
    then the run's notes) at the section."""
    from hausbesuch.web.pages_plans import _plan_page

    return _plan_page(request, user, plan_id, status=status,
                      letters_msg={"lines": lines, "error": status >= 400, "kind": kind})


def _zip(out: Path, notice: str) -> bytes:
    """The run's folder ``out`` as a ZIP: its PDFs, ``LIESMICH.txt`` as ``notice`` (the
    web's words), without the folder's marker (a command-line folder's bookkeeping)."""
    from hausbesuch.letters import LETTERS_MARKER, NOTICE_FILE

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(NOTICE_FILE, notice)
        for path in sorted(out.iterdir()):
            if path.is_file() and path.name not in (LETTERS_MARKER, NOTICE_FILE):
                zf.write(path, path.name)
    return buf.getvalue()


@router.post("/plaene/{plan_id}/briefe")
def letters_zip(request: Request, plan_id: str, art: str = Form("ankuendigung"),
                nachdruck: str = Form(""), passwort: str = Form(""),
                user: User = Depends(require_user)) -> Response:
    """Write the plan's announcement letters (``art=korrektur``: its correction and
    cancellation letters) as ``hausbesuch letters`` does and send them as one ZIP
    (``briefe-<plan>.zip``, ``korrekturbriefe-<plan>.zip``); ``nachdruck=ja``: also the
    letters written before, again (``--reprint``). A refusal, or a run that writes
    nothing, shows the plan page with the message at the section."""
    from hausbesuch.letters import (
        already_lines,
        follow_up_lines,
        notice_text,
        pending_lines,
        report_lines,
        run_letters,
    )
    from hausbesuch.web.pages_plans import _plan_for

    web = ctx(request)
    plan = _plan_for(request, user, plan_id)
    kind = art if art in KINDS else "ankuendigung"
    correction = kind == "korrektur"
    if (failed := fresh_or_confirmed(request, user, passwort,
                                      "zum Schreiben der Briefe")) is not None:
        status, msg = failed
        resp = _refused(request, user, plan_id, [
            msg if status == 403 else f"{msg} Es wurden keine Briefe geschrieben."],
            status=status, kind=kind)
        return retry_after(request, resp) if status == 429 else resp
    profile = web.profile(plan.city)
    if (why := sender_refusal(profile)) is not None:
        return _refused(request, user, plan_id, [why], kind=kind)
    stored = web.store.load_plan(plan_id)
    # letters hold names and addresses: written into a private temporary folder, sent,
    # and the folder removed before the response leaves (nothing kept on the disk)
    with tempfile.TemporaryDirectory(prefix="hausbesuch-briefe-") as tmp:
        try:
            run = run_letters(web.store, stored, profile, Path(tmp) / "briefe",
                              actor=user.name, correction=correction,
                              reprint=nachdruck == "ja", download=True)
        except UserError as exc:
            return _refused(request, user, plan_id, [letter_words(str(exc))], kind=kind)
        pending = [] if correction else pending_lines(web.store, stored)
        if not run.letters:
            head = ("Keine Korrekturbriefe nötig: kein angekündigter Besuch, den der Plan "
                    "nicht mehr hält." if correction and not run.skipped else
                    f"Keine {'Korrekturbriefe' if correction else 'Briefe'} geschrieben.")
            lines = [letter_words(line) for line, _ in report_lines(
                run, profile, correction=correction, pending=pending)]
            return _refused(request, user, plan_id, [head, *lines], status=200, kind=kind)
        # the notice holds, besides the command's LIESMICH.txt lines, what the command
        # says on the terminal only: the browser shows no terminal
        more = [*already_lines(run, correction=correction), *follow_up_lines(run, profile),
                *pending, *(f"Warnung: {w}" for w in run.warnings)]
        body = _zip(run.out_dir, notice_text(run, profile, more=more, words=letter_words))
    name = f"{'korrekturbriefe' if correction else 'briefe'}-{plan_id}.zip"
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})
