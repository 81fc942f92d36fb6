"""Languages: tags, scripts and their fonts, furniture (labels, dates, quotes), and translations of a statement
and their staleness (accord/i18n/translations.py)."""
