"""Storage: the SQLAlchemy engine and base, the unit of work, the Alembic migrations."""
