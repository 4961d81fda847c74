"""One module per Synapse concept."""
