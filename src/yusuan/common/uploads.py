"""Bounds on uploaded files: one size limit for every upload (``YUSUAN_UPLOAD_MAX_BYTES``).

``CappedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) stops storing a file once it passes
the limit, so a huge upload fills neither memory nor the temporary folder; such a file arrives one
chunk over the limit, and ``upload_bytes`` refuses it with the limit named instead of reading it.
The size of what is inside a file (an .xlsx unpacks to many times its size) is bounded where it
is read, in ``common.tabular``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from yusuan.common.errors import BusinessRuleError


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_upload_size(size: int, name: str, *, field: str = "file") -> None:
    """Refuse (413) a file larger than ``YUSUAN_UPLOAD_MAX_BYTES``."""
    limit: int = settings.YUSUAN_UPLOAD_MAX_BYTES
    if size <= limit:
        return
    raise BusinessRuleError.single(
        status=413,
        code="upload.too_large",
        field=field,
        value=size,
        limit=limit,
        message_zh=f"文件 {name} 超过大小上限 {megabytes(limit)}",
        message_en=f"the file {name} is larger than the limit of {megabytes(limit)}",
    )


def upload_bytes(upload: UploadedFile[Any], *, field: str = "file") -> bytes:
    """The uploaded file's content, or the size error without reading it."""
    check_upload_size(upload.size or 0, upload.name or "", field=field)
    return upload.read()


class CappedUploadHandler(FileUploadHandler):
    """Passes a file's chunks on to Django's own handlers until the file is over the limit, then
    drops the rest (the request is still read to its end, so the other fields arrive)."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return None if start > settings.YUSUAN_UPLOAD_MAX_BYTES else raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file from the chunks it was given
