"""Django-style schema migrations for any Python project."""

__version__ = "0.1.0"
