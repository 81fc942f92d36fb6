"""Official builds: DOCX, PDF and HTML of a statement."""
