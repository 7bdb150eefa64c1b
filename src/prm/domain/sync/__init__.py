"""The offline sync context: devices that work without a network upload their changes and
download the server's (reference: HealthSync sync API)."""
