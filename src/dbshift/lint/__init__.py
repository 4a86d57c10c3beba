"""``dbshift lint``: the lock and compatibility hazards in the SQL migrations run."""
