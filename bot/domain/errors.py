"""The exception tree.

KeypersonError
├── ConfigError       a missing or malformed configuration value; names the key
├── ImportProblems    a CSV file with problems; carries every problem found
├── InviteAlreadyUsed two chats used one invite code at once; the later one is redone alone
└── SendError         a channel refused or failed a send
      retryable=True  429, 5xx, network errors: try again later
      retryable=False opted out, blocked, invalid number: change the contact instead
      unknown=True    the request left but no answer came: reconcile, do not resend
"""

from __future__ import annotations


class KeypersonError(Exception):
    """Base of every error Keyperson raises on purpose."""


class ConfigError(KeypersonError):
    """A configuration key is missing or malformed; the message names the key."""


class InviteAlreadyUsed(KeypersonError):
    """An invite code was used by another chat in the same moment."""


class ImportProblems(KeypersonError):
    """A CSV file could not be imported; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class SendError(KeypersonError):
    """A send failed; `retryable` and `unknown` say what the dispatcher does next."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        unknown: bool = False,
        code: str | None = None,
        retry_after: float | None = None,
        opted_out: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.unknown = unknown
        self.code = code
        self.retry_after = retry_after
        self.opted_out = opted_out
        self.unreachable = unreachable


def show_value(value: object) -> str:
    """A configured value as an error message shows it: its repr, shortened when long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:56]}...{text[-1]}"
