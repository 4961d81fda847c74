"""The core of the embedded server: what every area builds on (storage, transactions, routing, auth, ACLs)."""
