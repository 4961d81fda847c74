"""The REST areas of the embedded server, one package per concept."""
