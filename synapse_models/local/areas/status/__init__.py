"""Service information: the base paths, version, status and health check."""
