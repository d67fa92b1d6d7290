import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from yishi.core.attachments import store_attachment
from yishi.core.models import Attachment, AuditRecord


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"      # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 15.0, 0.0)  # latitude 30°15' N
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_image_is_reencoded_without_exif_or_gps(people, media):
    data = jpeg_with_gps()
    assert b"PhoneMaker" in data
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)
    upload = SimpleUploadedFile("photo.jpg", data + b"HIDDEN-PAYLOAD", content_type="image/jpeg")
    attachment = store_attachment(people["resident"], upload)
    stored = attachment.file.read()
    assert b"PhoneMaker" not in stored and b"HIDDEN-PAYLOAD" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
    assert attachment.content_type == "image/jpeg"
    assert AuditRecord.objects.filter(action="core.upload_attachment").count() == 1


def real_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def real_docx() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_pdf_is_accepted(people):
    upload = SimpleUploadedFile("report.pdf", real_pdf(), content_type="application/pdf")
    assert store_attachment(people["resident"], upload).content_type == "application/pdf"


def test_office_files_are_accepted(people):
    from openpyxl import Workbook

    book = io.BytesIO()
    Workbook().save(book)
    assert store_attachment(people["resident"], SimpleUploadedFile(
        "t.xlsx", book.getvalue())).content_type.endswith("spreadsheetml.sheet")
    assert store_attachment(people["resident"], SimpleUploadedFile(
        "t.docx", real_docx())).content_type.endswith("wordprocessingml.document")


def _zip(members: dict, *, method=None) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method or zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return out.getvalue()


def test_documents_are_validated_whole_not_by_their_first_bytes(people, media, settings):
    """Issue 17.14: a PDF or zip header on anything else is refused, by type."""
    import zipfile

    settings.YISHI_UPLOAD_MAX_BYTES = 1024 * 1024  # so a 30 MB zip bomb is 30× the limit

    corrupt = bytearray(real_docx())
    at = corrupt.index(b"word/document.xml") + 40  # inside the compressed data
    corrupt[at] ^= 0xFF
    bomb = _zip({"[Content_Types].xml": "wordprocessingml.document.main+xml",
                 "word/document.xml": "", "pad.bin": b"\0" * (30 * 1024 * 1024)})
    cases = [
        ("fake.pdf", b"%PDF-1.4\n<script>alert(1)</script>\n" + b"A" * 500),
        ("cut.pdf", real_pdf()[:120]),
        ("payload.docx", b"PK\x03\x04" + b"\x00" * 26 + b"MZ\x90 an executable"),
        ("photos.docx", _zip({"a.jpg": b"x"})),                      # a zip, not a package
        ("wrong.xlsx", real_docx()),                                 # a Word file named .xlsx
        ("crc.docx", bytes(corrupt)),
        ("bomb.docx", bomb),
    ]
    assert zipfile.is_zipfile(io.BytesIO(bomb)) and len(bomb) < 1024 * 1024
    for name, data in cases:
        with pytest.raises(ValidationError) as refused:
            store_attachment(people["resident"], SimpleUploadedFile(name, data))
        assert refused.value.code == "damaged", name
        kind = "PDF" if name.endswith(".pdf") else ("Excel" if name.endswith("xlsx") else "Word")
        assert kind in refused.value.messages[0], name
    assert not Attachment.objects.exists() and not any(media.rglob("*.*"))


@pytest.mark.parametrize("name, data, code", [
    ("photo.jpg", b"MZ\x90\x00 not an image at all", "type"),      # disguised executable
    ("evil.svg", b"<svg onload='alert(1)'></svg>", "type"),
    ("empty.pdf", b"", "empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
])
def test_bad_files_are_refused_and_nothing_is_stored(people, media, name, data, code):
    with pytest.raises(ValidationError) as info:
        store_attachment(people["resident"], SimpleUploadedFile(name, data))
    assert info.value.code == code
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*.*"))


@override_settings(YISHI_UPLOAD_MAX_BYTES=1000)
def test_oversize_file_is_refused(people, media):
    with pytest.raises(ValidationError) as info:
        store_attachment(people["resident"], SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2000))
    assert info.value.code == "size"
    assert not Attachment.objects.exists()


def test_images_only_refuses_documents(people):
    with pytest.raises(ValidationError):
        store_attachment(people["resident"], SimpleUploadedFile("a.pdf", real_pdf()),
                         images_only=True)


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header declaring width × height, with tiny (truncated) image data: what an
    attacker sends, since the header alone decides how much memory decoding would take."""
    import struct
    import zlib

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows)
            + chunk(b"IEND", b""))


def test_an_image_bomb_is_refused_by_its_header_before_decoding(people, media, settings,
                                                                monkeypatch):
    settings.YISHI_IMAGE_MAX_PIXELS = 40_000_000
    bomb = _png_bomb(10_000, 7_900)   # 79 megapixels: below Pillow's own 2× error threshold
    assert len(bomb) < 10_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self, *a: decoded.append(self) or None)
    with pytest.raises(ValidationError) as refused:
        store_attachment(people["resident"], SimpleUploadedFile("big.png", bomb))
    assert refused.value.code == "pixels" and "79" in refused.value.messages[0]
    assert decoded == []  # refused from the header: no pixel data was decoded
    assert not Attachment.objects.exists() and not list(media.rglob("*.png"))
    with pytest.raises(ValidationError) as huge:  # above Pillow's own error threshold too
        store_attachment(people["resident"], SimpleUploadedFile("huge.png",
                                                                _png_bomb(20_000, 5_000)))
    assert huge.value.code == "pixels"


def test_metadata_is_stripped_from_the_stored_bytes(people, media):
    from PIL import ImageCms, PngImagePlugin

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (32, 32), (10, 120, 200))
    out = io.BytesIO()
    image.save(out, format="JPEG", comment=b"SECRET-COMMENT", icc_profile=profile)
    jpeg = out.getvalue()
    assert b"SECRET-COMMENT" in jpeg and b"ICC_PROFILE" in jpeg
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SECRET-AUTHOR")
    info.add_text("Comment", "SECRET-ZTXT", zip=True)
    info.add_itxt("Location", "SECRET-ITXT")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, icc_profile=profile)
    png = out.getvalue()
    assert all(tag in png for tag in (b"iCCP", b"tEXt", b"zTXt", b"iTXt"))

    stored_jpeg = store_attachment(people["resident"],
                                   SimpleUploadedFile("a.jpg", jpeg)).file.read()
    assert b"SECRET-COMMENT" not in stored_jpeg and b"ICC_PROFILE" not in stored_jpeg
    assert b"\xff\xfe" not in stored_jpeg.split(b"\xff\xda")[0]  # no COM segment before scan
    stored_png = store_attachment(people["resident"],
                                  SimpleUploadedFile("a.png", png)).file.read()
    for tag in (b"iCCP", b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"SECRET"):
        assert tag not in stored_png, tag
    with Image.open(io.BytesIO(stored_png)) as back:
        assert back.size == (32, 32) and back.getpixel((0, 0)) == (10, 120, 200)
