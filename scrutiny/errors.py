"""The one domain error. The CLI turns it into a one-line message and a non-zero exit."""


class ScrutinyError(Exception):
    """A problem the user can fix: bad input, unknown ID, invalid configuration.

    The message must be one line, name the offending input and say what is wrong.
    """

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
