"""What the ledger tests share: the statement's path and the one day their records are made on."""

from __future__ import annotations

import datetime as dt

from helpers.alliance import STATEMENT_PATH

S = STATEMENT_PATH
DAY = dt.date(2026, 11, 28)
