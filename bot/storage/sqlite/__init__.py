"""The SQLite backend: the only code that speaks SQL."""
