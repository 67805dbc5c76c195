"""Settings: base (shared), production (PostgreSQL, the image), local (SQLite), test."""
