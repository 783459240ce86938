"""Screenshots the browser tests take for a person to look at (390 px pages and the like).

Taken only when ``HAUSBESUCH_SCREENSHOTS`` names a folder: a test run never writes outside
its own temporary folders otherwise (no machine path in the tests).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: the folder of the screenshots, or None (the default: none are taken)
SHOTS: Path | None = (Path(os.environ["HAUSBESUCH_SCREENSHOTS"])
                      if os.environ.get("HAUSBESUCH_SCREENSHOTS") else None)


def shoot(target: Any, name: str, **options: Any) -> None:
    """``target.screenshot`` (a Playwright page or locator) as ``name`` in :data:`SHOTS`,
    when screenshots are asked for."""
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SHOTS / name), **options)
