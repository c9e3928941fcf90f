"""Writers: JSON, CSV, plots, always atomic (temporary file in the target folder, then rename)."""
