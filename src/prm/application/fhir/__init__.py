"""Use cases of the FHIR R4 write interface (issue 14): conditional create, update, and
transaction/batch Bundles, over the patients context's own use cases."""
