"""HL7 v2 messages received from hospital systems (issue 14)."""
