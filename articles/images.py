"""Photo uploads: what we accept, and the resized renditions readers download."""

from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
RENDITION_WIDTHS = (480, 960, 1600)


def validate_photo(file):
    """A readable JPEG, PNG, WebP or GIF within the size limits; anything else is a form error.

    Only a new upload is checked. A photo already stored was checked when it was uploaded, and
    re-reading it on every save of its article failed: Django has closed it by then (after
    reading its dimensions), so every later save of an article with a photo was a 500.
    """
    if getattr(file, "_committed", False):
        return
    max_bytes = settings.NEWSROOM_MAX_PHOTO_BYTES
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            f"图片文件太大({filesizeformat(file.size)}),不能超过 {filesizeformat(max_bytes)}。"
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind, (width, height) = image.format, image.size
            if kind not in ALLOWED_FORMATS:
                raise ValidationError(
                    f"不支持 {kind} 格式,请上传 {'、'.join(ALLOWED_FORMATS.values())} 图片。"
                )
            if width * height > settings.NEWSROOM_MAX_PHOTO_PIXELS:
                raise ValidationError(f"图片尺寸过大({width}×{height}),请缩小后再上传。")
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ValidationError("无法识别的图片文件,请上传 JPEG、PNG、WebP 或 GIF 图片。") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error for a damaged file
        raise ValidationError("图片文件已损坏,无法读取。") from None
    finally:
        if position is not None:
            file.seek(position)


def make_renditions(image_field):
    """Resized JPEGs at the widths the public pages ask for; never upscaled. {width: path}."""
    sizes = {}
    stem = PurePosixPath(image_field.name).stem
    with image_field.open("rb"), Image.open(image_field) as original:
        image = ImageOps.exif_transpose(original)
        for width in RENDITION_WIDTHS:
            if image.width <= width:
                continue
            height = round(image.height * width / image.width)
            resized = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
            buffer = BytesIO()
            resized.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
            path = default_storage.save(
                f"photos/renditions/{stem}-{width}.jpg", ContentFile(buffer.getvalue())
            )
            sizes[str(width)] = path
    return sizes
