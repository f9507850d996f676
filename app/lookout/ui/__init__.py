"""The desktop app: the only Qt code besides the report renderer (see design §2)."""
