"""Lookout: a privacy-first local monitor for the LLM API calls your programs make."""

__version__ = "0.1.0"
