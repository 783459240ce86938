"""Exceptions of the geodata package.

Every exception carries a German message meant for the user; the CLI prints it
without a traceback.
"""


class GeodataError(ValueError):
    """Base class: a problem the user can act on (message in German)."""


class ExtractError(GeodataError):
    """The OSM extract is missing, unreadable or not an OSM file."""


class EmptyAreaError(GeodataError):
    """The extract (or the requested area) holds no usable data for the request."""


class SettingsError(GeodataError):
    """An invalid setting, such as an unknown travel mode."""


class DownloadError(GeodataError):
    """Downloading OSM data for a place failed.

    ``reason``: the message without its advice on working without the server (a
    caller that gives advice of its own uses it, so the user reads one advice, not
    two); the whole message when it gives none. ``server_problem``: False when the
    server answered and the request itself cannot succeed (place unknown, not an area),
    so advice on working offline does not help.
    """

    def __init__(self, message: str, *, reason: str | None = None, server_problem: bool = True) -> None:
        super().__init__(message)
        self.reason = message if reason is None else reason
        self.server_problem = server_problem


class OutputPathError(GeodataError):
    """An output file's path names something that is not a regular file (a symbolic
    link, a FIFO, a device, a socket, a folder): it is never replaced."""
