"""Users: profiles, user and group headers, principal aliases (REFERENCE 2.12)."""
