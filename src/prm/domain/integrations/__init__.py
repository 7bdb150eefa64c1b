"""The integrations context: events that outside systems (HIS, lab, pharmacy) send to PRM, and
the configurations of those systems."""
