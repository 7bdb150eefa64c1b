"""The ``prm`` command line: ``main`` (the parser and the commands), ``admin`` (tenants, users,
the audit export, the first run) and ``imports`` (``prm import synthea``)."""
