"""A test-only app whose only migration fails: the boot must stop on it (exit 70)."""
