"""Self-hosted multi-document summarisation service."""
