"""accord: drafting, endorsement and publication pipeline for joint statements."""

__version__ = "0.1.0"
