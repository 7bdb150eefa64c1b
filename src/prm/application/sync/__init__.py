"""Use cases of offline sync: apply a device's change, download the change feed."""
