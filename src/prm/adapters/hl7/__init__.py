"""HL7 v2 parsing and acknowledgements with python-hl7, and the hl7 context's views of other contexts."""
