"""Tables: column models, row storage, transactions, CSV, queries in Synapse SQL (REFERENCE 2.6)."""
