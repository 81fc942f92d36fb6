"""Consultation rounds: packets to every partner at once, status and deadlines, bulk import, the compilation
of amendments, one consolidated draft, and the close (with the silence procedure).

One module per job: model (rounds.yaml, time), opening, status, importing,
compilation, merging, closing; paragraphs holds the paragraph labels they share.
"""
