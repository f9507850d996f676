"""Tests for the key vault, key injection and `lookout keys`."""
