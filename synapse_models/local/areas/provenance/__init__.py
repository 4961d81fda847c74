"""Provenance: activities and the generatedBy link of entity versions (REFERENCE 2.4, 3.3)."""
