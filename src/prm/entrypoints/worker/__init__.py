"""The background worker: ``prm worker`` on PostgreSQL, in-process inside ``prm serve`` too."""
