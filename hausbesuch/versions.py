"""Plan versions as the outputs name them: whether a re-plan replaced a stored plan.

A re-plan stores a new version pointing to its predecessor (``plans.predecessor_id``);
the web app and the day links already follow the newest version. The files of an older
version (``hausbesuch show``, ``export``, the web app's download) say that they are no
longer valid, from when, and which version to use instead: :func:`replaced_note`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

__all__ = ["replaced_note"]


def replaced_note(store: Any, plan_id: str) -> str:
    """For a plan version a re-plan has replaced, one German sentence naming the newest
    version and the moment from which the first re-plan planned anew: „Ersetzt durch
    Version 2 (Plan …; Neuplanung ab Di, 08.12.2026 11:30 Uhr): nicht mehr gültig, bitte
    Version 2 verwenden.“ Empty for the newest version (and a plan without successor)."""
    from hausbesuch.maps import fmt_date
    from hausbesuch.store import PlanRow

    seen = {plan_id}
    current, first_moment = plan_id, None
    newest_version = None
    with store.session() as s:
        while True:
            nxt = s.execute(select(PlanRow.id, PlanRow.version, PlanRow.params)
                            .where(PlanRow.predecessor_id == current)
                            .order_by(PlanRow.created_at.desc())).first()
            if nxt is None or nxt[0] in seen:
                break
            seen.add(nxt[0])
            current, newest_version = nxt[0], int(nxt[1])
            if first_moment is None:
                try:
                    at = (json.loads(nxt[2] or "{}") or {}).get("replan_from")
                    first_moment = datetime.fromisoformat(at) if at else None
                except (ValueError, TypeError, AttributeError):
                    first_moment = None
                if first_moment is None:
                    first_moment = False  # (looked once: none stored)
    if current == plan_id:
        return ""
    since = (f"; Neuplanung ab {fmt_date(first_moment.date())} {first_moment:%H:%M} Uhr"
             if first_moment else "")
    return (f"Ersetzt durch Version {newest_version} (Plan {current}{since}): nicht mehr "
            f"gültig, bitte Version {newest_version} verwenden.")
