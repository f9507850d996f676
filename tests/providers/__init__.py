"""Tests for the provider parsers."""
