"""Entities: CRUD, versions, the tree, trash, annotations, ACLs, bundles (REFERENCE 2.2, 2.3, 2.11, 2.13)."""
