"""Errors raised by the run store, each with a message a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """A store operation failed for a reason the user can fix.

    Raised for an unknown run or scenario, an unreadable or foreign database,
    a database written by a newer rxtwin, a bad name, or an illegal status change.
    ``str(error)`` is a one-line message fit to print as it is.
    """


class UnknownRunError(StoreError, KeyError):
    """No run with this id exists in the store (also a ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownScenarioError(StoreError, KeyError):
    """No scenario with this content hash exists in the store (also a ``KeyError``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownItemError(StoreError, KeyError):
    """A run has no summary or artifact of this name (also a ``KeyError``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreInputError(StoreError, ValueError):
    """An argument breaks a rule of the store (also a ``ValueError``); the message names it."""
