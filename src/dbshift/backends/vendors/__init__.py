"""The databases dbshift supports: one module (or package) each, declaring its backend.

Every module here is imported to find a backend by name
(:func:`dbshift.backends.backend.backend_named`), so each stays cheap to import.
"""
