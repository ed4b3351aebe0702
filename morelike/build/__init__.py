"""The published-build format: the writer (indexer side) and the reader (bot side), side by side."""
