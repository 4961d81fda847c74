"""Table plumbing shared by :class:`~synapse_models.Table` and :class:`~synapse_models.View`.

``types`` maps column types to pandas dtypes and encodes/decodes cells; ``csv`` writes and reads the CSV
dialect of table uploads and downloads; ``query`` runs queries into DataFrames (paged, or as a CSV download).
pandas is imported only when these functions run.
"""
