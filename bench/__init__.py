"""The benchmark suite: dbshift against Django and Alembic on synthetic histories."""
