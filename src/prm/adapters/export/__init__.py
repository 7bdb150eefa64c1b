"""The patient export's adapters: each context's section of the record, and the renderers."""
