"""Errors raised by plugin/core: each message names the file and the problem."""


class CiscError(Exception):
    """A problem with the user's input or data, stated so the user can act on it."""


class CiscCancelled(CiscError):
    """The run was cancelled on request; nothing was written."""

    def __init__(self, message: str = "Cancelled."):
        super().__init__(message)
