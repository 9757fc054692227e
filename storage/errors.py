"""Storage errors, importable without loading SQLAlchemy (the CLI's fast path needs them)."""


class DatabaseError(Exception):
    """The database cannot be reached or used; the message says what to check."""
