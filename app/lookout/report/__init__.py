"""Redacted reports: data assembly (no Qt) and renderers for HTML, PDF, Markdown, JSON and CSV."""
