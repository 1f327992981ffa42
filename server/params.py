"""Path and query parameter types shared by routers and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Ids are 32-bit integers in the database: a larger one would be a database error (500)
# rather than the "not found" it is.
MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
