"""Getting cameras in from other sources: readers per format, one importer."""
