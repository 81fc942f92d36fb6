"""Partner review: DOCX packets out (`send`), returned DOCX in (`import`) as a branch per partner."""

from .importing import ImportResult, import_review
from .packet import SentPacket, send_packet

__all__ = ["ImportResult", "SentPacket", "import_review", "send_packet"]
