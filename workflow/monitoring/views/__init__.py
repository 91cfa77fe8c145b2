"""The monitoring's pages."""
