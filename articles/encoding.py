"""How renditions are encoded: photos' and the e-paper's page images alike.

Imports no Django: the e-paper's PDF child process (articles/epaper/pdf.py) uses it too.
"""

from io import BytesIO


def encode(image, kind, icc_profile=None):
    """A PIL image as WebP or JPEG bytes (`kind` "webp" or "jpeg")."""
    buffer = BytesIO()
    if kind == "webp":
        image.save(buffer, "WEBP", quality=80, method=4, icc_profile=icc_profile)
    else:
        image.save(
            buffer, "JPEG", quality=82, optimize=True, progressive=True, icc_profile=icc_profile
        )
    return buffer.getvalue()
