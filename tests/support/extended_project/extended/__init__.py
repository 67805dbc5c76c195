"""A project that extends Keelson's environment contract with variables of its own."""
