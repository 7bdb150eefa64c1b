-- GET /health: no database, no dishka, same middleware (request id, access log): the framework's ceiling.
wrk.method = "GET"
wrk.path = "/health"
