"""A short German description of a browser from its ``User-Agent`` header, for the page
„Meine Sitzungen“ (ASVS V3.3.4): „Chrome auf Android“, „Firefox auf Windows“.

Only the description is stored with a session (``web_sessions.agent``), never the header
itself: it is made of the fixed words below, so no text a client sent reaches the
database, a page or the audit log. A header that names none of them is „unbekannter
Browser“ (:data:`UNKNOWN`).
"""

from __future__ import annotations

import re

#: What a session without a description (made before it was kept, or whose header names
#: no known browser and no known system) is called.
UNKNOWN = "unbekannter Browser"
#: The longest header read (a longer one is cut; nothing of it is kept).
MAX_READ = 512

#: Browsers in the order they are tested: a header names several (Edge says "Chrome" and
#: "Safari" too), the most specific comes first.
_BROWSERS = (
    ("Edge", re.compile(r"\b(?:Edg|EdgA|EdgiOS|Edge)/")),
    ("Opera", re.compile(r"\b(?:OPR|Opera)/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:Chrome|HeadlessChrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
#: Systems, the same way (Android's header says "Linux" too, an iPad's "Mac OS X").
_SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)


def describe(user_agent: str | None) -> str | None:
    """„<Browser> auf <System>“, „<Browser>“ or „unbekannter Browser auf <System>“ for a
    ``User-Agent`` header; ``None`` when it names neither (shown as :data:`UNKNOWN`)."""
    if not user_agent:
        return None
    text = user_agent[:MAX_READ]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), None)
    if browser is None and system is None:
        return None
    return f"{browser or UNKNOWN} auf {system}" if system else browser


def shown(description: str | None) -> str:
    """A stored description as the page shows it (:data:`UNKNOWN` for none)."""
    return description or UNKNOWN
