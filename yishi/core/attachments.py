"""Uploads: one door for every file that comes in. The type is read from the content (not the
name), the size is capped, images are decoded and re-encoded so that EXIF, GPS and any
payload hidden after the image data are gone, and documents are checked whole: a PDF must
parse, an Office file must be a sound OOXML package."""

import hashlib
import io
import os
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from . import audit
from .models import Attachment
from .permissions import require

IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
                 "WEBP": ("image/webp", ".webp")}
DOCUMENT_SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
]
OFFICE_TYPES = {  # zip containers, told apart by their extension
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALLOWED_DESCRIPTION = gettext_lazy("JPEG, PNG or WebP images; PDF, Word, Excel or PowerPoint documents")


# What survives re-encoding from the source image's info: transparency is part of the picture.
# Everything else there (ICC profile, JPEG comment, PNG text chunks, EXIF, XMP, DPI) is
# metadata that can name a phone, a person or a place, and is dropped.
KEPT_INFO = ("transparency",)


def _clean_image(data: bytes) -> tuple[bytes, str, str]:
    limit = settings.YISHI_IMAGE_MAX_PIXELS
    Image.MAX_IMAGE_PIXELS = limit

    def too_large(pixels: str) -> ValidationError:
        return ValidationError(
            _("The image is too large (%(pixels)s megapixels); the limit is %(limit)s "
              "megapixels.") % {"pixels": pixels, "limit": f"{limit / 1e6:.0f}"}, code="pixels")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            # open() reads the header only: refuse a decompression bomb by its declared size
            # before any pixel is decoded (Pillow itself raises only above twice its limit).
            width, height = probe.size
            if width * height > limit:
                raise too_large(f"{width * height / 1e6:.0f}")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            if fmt not in IMAGE_FORMATS:
                raise ValidationError(_("This image format is not accepted."), code="type")
            image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Pillow carries the ICC profile and the JPEG comment over from info on save.
            image.info = {key: value for key, value in image.info.items() if key in KEPT_INFO}
            out = io.BytesIO()
            image.save(out, format=fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {}))
    except Image.DecompressionBombError as exc:
        raise too_large(f"> {2 * limit / 1e6:.0f}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("The image could not be read; it may be damaged."),
                              code="damaged") from exc
    content_type, ext = IMAGE_FORMATS[fmt]
    return out.getvalue(), content_type, ext


def looks_like_image(data: bytes) -> bool:
    return (
        data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8"))
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def sniff(data: bytes, name: str) -> str | None:
    for signature, content_type, _ext in DOCUMENT_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data.startswith(b"PK\x03\x04"):
        return OFFICE_TYPES.get(os.path.splitext(name.lower())[1])
    return None


# The part every valid package of each kind has, and the content type it is declared with.
OFFICE_MAIN_PARTS = {
    ".docx": ("word/document.xml", b"wordprocessingml.document.main+xml"),
    ".xlsx": ("xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
    ".pptx": ("ppt/presentation.xml", b"presentationml.presentation.main+xml"),
}
# Unpacked, an Office package may be this many times larger than the upload limit; a zip that
# claims more is a zip bomb, refused before anything is inflated.
OFFICE_MAX_EXPANSION = 20


def _damaged(kind: str) -> ValidationError:
    return ValidationError(_("The file is not a valid %(kind)s document; it may be damaged.")
                           % {"kind": kind}, code="damaged")


def _check_pdf(data: bytes) -> None:
    """The whole file parses as a PDF with at least one page (a PDF header on anything else
    is not enough)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise _damaged("PDF")
        for page in reader.pages:
            page.mediabox  # noqa: B018 - reading each page object is the check
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever pypdf cannot read is refused
        raise _damaged("PDF") from exc


def _check_office(data: bytes, ext: str) -> None:
    """A valid OOXML package: a sound zip (every member's checksum read), not a bomb, with
    [Content_Types].xml declaring the main part of its kind, and that part present."""
    import zipfile

    part, declared = OFFICE_MAIN_PARTS[ext]
    kind = {".docx": "Word", ".xlsx": "Excel", ".pptx": "PowerPoint"}[ext]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if sum(m.file_size for m in members) > (
                    OFFICE_MAX_EXPANSION * settings.YISHI_UPLOAD_MAX_BYTES):
                raise _damaged(kind)
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or part not in names:
                raise _damaged(kind)
            if declared not in package.read("[Content_Types].xml"):
                raise _damaged(kind)
            if package.testzip() is not None:
                raise _damaged(kind)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a zip that cannot be read is refused
        raise _damaged(kind) from exc


def clean_upload(uploaded, *, images_only: bool = False) -> tuple[bytes, str, str]:
    """Return (bytes to store, content type, extension) or raise a ValidationError that says
    what is wrong, in the user's language.

    The result is kept on the upload. A form checks each file before the service stores it,
    and a service checks its files before it writes anything: an image is decoded and
    re-encoded once, and never while a transaction holds a counter's or the audit chain's
    row locks (a phone photo takes a good part of a second)."""
    kept = getattr(uploaded, "_yishi_cleaned", None)
    # An image comes out the same either way; anything else was never checked as an image.
    if kept is not None and (not images_only or kept[1].startswith("image/")):
        return kept
    result = _clean_upload(uploaded, images_only)
    try:
        uploaded._yishi_cleaned = result
    except AttributeError:  # an object that takes no attributes is simply checked again
        pass
    return result


def _clean_upload(uploaded, images_only: bool) -> tuple[bytes, str, str]:
    limit = settings.YISHI_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{uploaded.size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
            code="size",
        )
    uploaded.seek(0)  # a file checked before (e.g. by a form as a document) is read whole again
    data = uploaded.read()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if looks_like_image(data):
        return _clean_image(data)
    content_type = None if images_only else sniff(data, uploaded.name)
    if content_type is None:
        accepted = _("JPEG, PNG or WebP images") if images_only else ALLOWED_DESCRIPTION
        raise ValidationError(
            _("This type of file is not accepted. Accepted: %(accepted)s.") % {"accepted": accepted},
            code="type",
        )
    ext = next(e for e, t in OFFICE_TYPES.items() if t == content_type) if content_type in (
        OFFICE_TYPES.values()) else ".pdf"
    if ext == ".pdf":
        _check_pdf(data)
    else:
        _check_office(data, ext)
    return data, content_type, ext


def store_attachment(actor, uploaded, *, description: str = "",
                     images_only: bool = False) -> Attachment:
    require(actor, "core.upload_attachment")
    data, content_type, ext = clean_upload(uploaded, images_only=images_only)
    digest = hashlib.sha256(data).hexdigest()
    original = os.path.basename(uploaded.name or "upload")[:255]
    with transaction.atomic():
        attachment = Attachment(
            original_name=original, content_type=content_type, size=len(data), sha256=digest,
            uploaded_by=actor, description=description[:200],
        )
        attachment.file.save(f"{digest[:16]}{ext}", ContentFile(data), save=False)
        try:  # a failed save must not leave the file behind
            attachment.save()
            audit.record(actor, "core.upload_attachment", attachment,
                         after={"name": original, "type": content_type, "sha256": digest})
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def check_uploads(files, *, images_only: bool = False) -> None:
    """Check files before a service writes anything (see clean_upload): the first refused one
    raises its ValidationError."""
    for uploaded in files:
        clean_upload(uploaded, images_only=images_only)


def store_attachments(actor, files, *, description: str = "",
                      images_only: bool = False) -> list[Attachment]:
    """Store several files: all are checked before the first is stored, so a refused one
    stores none, and no check runs after the first audit record has taken the audit chain's
    lock (it is held until the caller's transaction ends)."""
    files = list(files)
    check_uploads(files, images_only=images_only)
    return [store_attachment(actor, uploaded, description=description, images_only=images_only)
            for uploaded in files]
