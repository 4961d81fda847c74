"""Wiki pages, V1 and V2 (REFERENCE 2.8, 3.7)."""
