"""Adapters of offline sync that connect it to the patients and appointments contexts."""
