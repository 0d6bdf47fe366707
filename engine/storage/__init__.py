"""Persistent state in SQLAlchemy 2.0: SQLite file by default, any SQLAlchemy URL (PostgreSQL) by setting."""
