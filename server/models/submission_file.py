"""`submission_files`: the files of a submission, text or binary, with their size."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base

if TYPE_CHECKING:
    from server.models.submission import Submission


def content_sha256(files: Iterable[tuple[str, bytes]]) -> str:
    """The SHA-256 identifying a set of (name, content) files, whatever their order.

    Each name and content is length-prefixed, so no two different sets of files can be
    spelled as the same byte stream.
    """
    digest = hashlib.sha256()
    for name, content in sorted(files):
        encoded_name = name.encode()
        for part in (encoded_name, content):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


class SubmissionFile(Base):
    __tablename__ = "submission_files"
    __table_args__ = (
        UniqueConstraint("submission_id", "name"),
        # Exactly one of text and bytes: source code is text, anything else (a pickled
        # model, an image) is bytes.
        CheckConstraint("(content IS NULL) <> (content_bytes IS NULL)", name="text_or_bytes"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    # A plain file name such as "estimator.py", never a path.
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[str | None] = mapped_column(Text, default=None)
    content_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Bytes on disk (UTF-8 for text), checked against the event's size limit.
    size: Mapped[int]

    submission: Mapped[Submission] = relationship(back_populates="files", lazy="raise")

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> SubmissionFile:
        """A file holding `data`, stored as text when it is valid UTF-8."""
        try:
            return cls(name=name, content=data.decode("utf-8"), size=len(data))
        except UnicodeDecodeError:
            return cls(name=name, content_bytes=data, size=len(data))

    @property
    def data(self) -> bytes:
        """The file's bytes, whichever way they are stored."""
        if self.content is not None:
            return self.content.encode("utf-8")
        return self.content_bytes or b""

    def __repr__(self) -> str:
        return f"SubmissionFile(name={self.name!r}, size={self.size!r})"
