"""Event generators: one module per process, each citing the formula it samples."""
