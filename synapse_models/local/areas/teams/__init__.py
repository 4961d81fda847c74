"""Teams, members, membership invitations and requests, the team ACL (REFERENCE 2.9, 3.8)."""
