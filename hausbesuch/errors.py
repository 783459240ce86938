"""Application errors. Messages are German: they are shown to coordinators as they are."""


class UserError(ValueError):
    """A problem with the user's input or setup that the user can fix (German message)."""


class ProfileError(UserError):
    """An invalid or unknown city profile."""
