"""What every command-line entry point shares: exit codes, the error type that becomes a one-line message,
and the clock. (Opening the data directory is the composition root's: bot.compose.open_library.)"""

from __future__ import annotations

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code
