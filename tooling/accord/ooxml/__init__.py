"""Raw OOXML for DOCX files lives here, and only here: small helpers named after what they make."""
