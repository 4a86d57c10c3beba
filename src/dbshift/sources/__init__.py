"""Where an app's models come from when they are not dbshift model classes.

Each source reads its tables into plain model states, the same data the
migrations fold, so the autodetector, the writer and the schema editors treat
such apps exactly like apps with a ``models.py``.
"""
