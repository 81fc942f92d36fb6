"""Languages: translations of a statement and their staleness (accord/i18n/translations.py)."""
