"""Photo uploads: what we accept, and the resized renditions readers download.

An upload is checked in full before anything is stored: its format from its header (JPEG, PNG,
WebP or GIF), its size in bytes and in pixels, and then every byte decoded, so a truncated or
damaged file is a form error rather than a failure after the original was saved. Pillow's own
decompression-bomb check is not reached: its limit (about 89 megapixels) is above ours and its
error has no Chinese, so we read the header ourselves and apply NEWSROOM_MAX_PHOTO_PIXELS first.

Renditions are made by a task after the photo's transaction commits (articles/tasks.py): at each
of RENDITION_WIDTHS below the original's width, and at its own width up to the largest, never
upscaled; as WebP (keeping transparency) and as JPEG (flattened onto white); turned upright as
the camera's EXIF orientation says. They are stored through default_storage and recorded on the
photo as {"source": the original's name, "sizes": {"480": {"height", "jpeg", "webp"}, …}}.
"""

import math
import warnings
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image, ImageOps

from articles.encoding import encode

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
JPEG_FORMATS = {"JPEG", "MPO"}  # MPO: a camera's JPEG with a second picture, opened as JPEG
RENDITION_WIDTHS = (480, 960, 1600)
DEFAULT_MAX_PIXELS = 40_000_000
# EXIF orientations that turn the picture a quarter: its width is the stored height.
QUARTER_TURNS = {5, 6, 7, 8}

NOT_AN_IMAGE = "无法识别的图片文件,请上传 JPEG、PNG、WebP 或 GIF 图片。"
DAMAGED = "图片文件已损坏或不完整,无法读取,请重新导出后再上传。"

Image.init()  # register every format plugin, so the ones we accept can be opened directly


def max_pixels():
    return getattr(settings, "NEWSROOM_MAX_PHOTO_PIXELS", DEFAULT_MAX_PIXELS)


def validate_photo(file):
    """A readable JPEG, PNG, WebP or GIF within the size limits; anything else is a form error.

    Returns the image's format. The whole image is decoded (a JPEG at a reduced scale, which
    still reads every byte), because a truncated file passes a header check and Pillow's
    verify() alike, and then fails when renditions are made from it.
    """
    max_bytes = settings.NEWSROOM_MAX_PHOTO_BYTES
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            f"图片文件太大({filesizeformat(file.size)}),不能超过 {filesizeformat(max_bytes)}。"
        )
    position = file.tell()
    try:
        with _open_accepted(file) as image:
            kind, (width, height) = image.format, image.size
        limit = max_pixels()
        if width * height > limit:
            raise ValidationError(
                f"图片像素过多({width}×{height}),不能超过 {limit // 10_000} 万像素,请缩小后再上传。"
            )
        with _open_accepted(file) as image:
            if kind in JPEG_FORMATS:
                image.draft(None, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error for a damaged file
        raise ValidationError(DAMAGED) from None
    finally:
        file.seek(position)
    return kind


def _open_accepted(file):
    """`file` as an image of a format we accept, only its header read; or a ValidationError.

    The formats' own openers, not Image.open(): that applies Pillow's decompression-bomb check,
    whose error would pre-empt our pixel limit and its message.
    """
    file.seek(0)
    prefix = file.read(16)
    for kind in ALLOWED_FORMATS:
        factory, accept = Image.OPEN[kind]
        accepted = accept(prefix) if accept else True
        if accepted and not isinstance(accepted, str):  # a string is Pillow's warning: not this
            file.seek(0)
            return factory(file, "")
    raise ValidationError(_refusal(file))


def _refusal(file):
    """Why a file none of our formats accepts is refused: another image format, or none."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's decompression-bomb warning: refused anyway
            with Image.open(file) as image:
                kind = image.format
    except Exception:  # noqa: BLE001 - not an image Pillow knows, or a bomb of one we refuse
        return NOT_AN_IMAGE
    return f"不支持 {kind} 格式,请上传 {'、'.join(ALLOWED_FORMATS.values())} 图片。"


class PhotoFormField(forms.ImageField):
    """An image upload checked by validate_photo(), with every refusal in Chinese.

    Django's ImageField opens the upload with Image.open() and turns any error, a
    decompression bomb included, into its one generic message; ours comes first.
    """

    default_error_messages = {"empty": "上传的文件是空的(0 字节),请重新选择图片。"}

    def to_python(self, data):
        file = forms.FileField.to_python(self, data)
        if file is None:
            return None
        kind = validate_photo(file)
        file.content_type = Image.MIME.get(kind)
        return file


class PhotoImageField(models.ImageField):
    """An ImageField whose form field is PhotoFormField. Only uploads are checked, once, there:
    a photo already stored was checked when it was uploaded."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})


# Renditions --------------------------------------------------------------------------------


def rendition_widths(width):
    """The widths made for an image `width` pixels wide: never wider than it."""
    widths = [w for w in RENDITION_WIDTHS if w < width]
    if width <= RENDITION_WIDTHS[-1]:
        widths.append(width)
    return widths


def make_renditions(image_field):
    """WebP and JPEG renditions of a stored image: {"source", "sizes": {width: {…}}}.

    A JPEG is decoded at the smallest scale still as wide as the largest rendition (a
    40-megapixel photo is read at a quarter or an eighth), so a worker's memory stays small.
    """
    name = image_field.name
    stem = PurePosixPath(name).stem
    sizes = {}
    try:
        with image_field.open("rb"), _open_accepted(image_field) as original:
            turned = original.getexif().get(ExifTags.Base.Orientation) in QUARTER_TURNS
            width, height = original.size[::-1] if turned else original.size
            widths = rendition_widths(width)
            if original.format in JPEG_FORMATS:
                scale = widths[-1] / width
                original.draft(
                    None, (math.ceil(original.width * scale), math.ceil(original.height * scale))
                )
            # A colour profile fits only the mode it was made for: keep it for RGB(A) originals.
            rgb = original.mode in ("RGB", "RGBA")
            icc_profile = original.info.get("icc_profile") if rgb else None
            image = ImageOps.exif_transpose(original)
            transparent = image.has_transparency_data
            image = image.convert("RGBA" if transparent else "RGB")
            for target in widths:
                size = (target, max(1, round(height * target / width)))
                resized = image.resize(size, Image.Resampling.LANCZOS)
                entry = sizes[str(target)] = {"height": size[1]}
                entry["webp"] = save_image(resized, f"{stem}-{target}.webp", icc_profile)
                if transparent:
                    resized = _flatten(resized)
                entry["jpeg"] = save_image(resized, f"{stem}-{target}.jpg", icc_profile)
    except BaseException:
        delete_files(rendition_paths({"sizes": sizes}))  # no half-made set left behind
        raise
    return {"source": name, "sizes": sizes}


def _flatten(image):
    """A transparent image on white, for JPEG, which has no transparency."""
    background = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(background, image).convert("RGB")


def save_image(image, filename, icc_profile=None):
    """Store a rendition as WebP or JPEG (by the filename's suffix); the stored file's name."""
    kind = "webp" if filename.endswith(".webp") else "jpeg"
    data = encode(image, kind, icc_profile)
    return default_storage.save(f"photos/renditions/{filename}", ContentFile(data))


def rendition_paths(renditions):
    """Every file a photo's renditions record (in this format or the older {width: path})."""
    paths = []
    for entry in (renditions or {}).get("sizes", {}).values():
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, dict):
            paths += [entry[kind] for kind in ("jpeg", "webp") if entry.get(kind)]
    return paths


def delete_files(paths):
    """Remove stored files; one already gone is no error."""
    for path in paths:
        if path:
            default_storage.delete(path)


def delete_files_on_commit(paths):
    """Remove a deleted or replaced photo's files, once that change is committed."""
    paths = [path for path in paths if path]
    if paths:
        transaction.on_commit(lambda: delete_files(paths))
