"""FHIR R4 (4.0.1) JSON renderings of PRM's records: pure functions from domain objects to dicts."""
