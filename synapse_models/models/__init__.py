"""One module per Synapse concept.

Private modules hold what the concepts share: ``_stored`` the life cycle of stored objects, ``_wire`` the
request and response bodies, ``_html`` the notebook views, ``_download`` where file content lands,
``_table_base`` what tables and views share; ``listing`` is the lazy listing the verbs return. See
``docs/api/`` for the public names.
"""
