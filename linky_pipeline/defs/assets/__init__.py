"""One module per warehouse table family: thin assets and the checks they carry."""
