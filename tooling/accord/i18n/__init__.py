"""Languages: tags, scripts and their fonts, and the furniture (labels, dates, quotes) of each language."""
