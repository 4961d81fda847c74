"""Views: tables whose rows are computed from entities or submissions (REFERENCE 2.7)."""
