"""Logging a failure without the data it failed on.

An exception's message often quotes what the code was given: a ``KeyError`` its key, a
``ValueError`` the value, SQLAlchemy's errors the statement's parameters (a whole record
body). Logged as usual, a traceback would carry custody numbers and report text into a
log file that no one treats as personal data. So the loggers that report failures
(the server's, uvicorn's, the laptop's sync and store) log an *outline* instead: every
frame of the traceback (file, line, function, the source line) and each exception's type,
the causes included, and no exception's message. That still says where it failed and
what kind of failure it was, which is what a developer needs first.

Install :data:`WITHHOLD_MESSAGES` on a logger with :func:`withhold_messages`. A logger's
filters see only records logged on that logger itself (not those of its children), so
each module that logs failures installs it on its own logger.
"""

from __future__ import annotations

import logging
import traceback


def _name(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else (
        f"{cls.__module__}.{cls.__qualname__}")


def exception_outline(exc: BaseException) -> str:
    """``exc``'s traceback as Python prints it, causes first, without the messages."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for i, item in enumerate(reversed(chain)):
        if i:
            parts.append("\nThat led to:\n")
        parts.append("Traceback (most recent call last; exception messages withheld):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(f"{_name(item)}\n")
    return "".join(parts).rstrip("\n")


class WithholdMessages(logging.Filter):
    """Puts the outline in place of a record's traceback. The exception itself is
    dropped from the record too, so no handler further on can print its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = exception_outline(record.exc_info[1])
            record.exc_info = None
        return True


WITHHOLD_MESSAGES = WithholdMessages()


def withhold_messages(logger: logging.Logger | str) -> logging.Logger:
    """Install :data:`WITHHOLD_MESSAGES` on ``logger`` (once, however often called)."""
    if isinstance(logger, str):
        logger = logging.getLogger(logger)
    logger.addFilter(WITHHOLD_MESSAGES)  # addFilter ignores a filter already there
    return logger
