"""Test-only tasks and the table they write: the web request -> task -> database path."""
