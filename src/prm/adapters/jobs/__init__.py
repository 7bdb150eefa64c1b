"""The job engines: procrastinate on PostgreSQL, an embedded runner of durable rows on SQLite."""
