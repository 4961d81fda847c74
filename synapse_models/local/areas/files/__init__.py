"""Files: file handles, byte storage, multipart uploads, downloads and the file side of entities."""
