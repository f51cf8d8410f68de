"""Board side of the platform conformance tests (placeholder)."""
