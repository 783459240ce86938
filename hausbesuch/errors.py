"""Application errors. Messages are German: they are shown to coordinators as they are."""


class UserError(ValueError):
    """A problem with the user's input or setup that the user can fix (German message)."""


class ProfileError(UserError):
    """An invalid or unknown city profile."""


class CasesRefused(UserError):
    """A refusal that names cases (a plan of which no address was found): ``client_ids``
    are the cases it names; ``brief`` is the message without what it quotes of them
    (addresses, c/o names), for a copy that is stored (a web job's message)."""

    def __init__(self, message: str, *, client_ids: list[str], brief: str) -> None:
        super().__init__(message)
        self.client_ids, self.brief = client_ids, brief
