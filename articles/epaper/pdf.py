"""The 版 PDFs an editor uploads: what we accept, how a whole issue is split, what we read.

PDFium (pypdfium2) does all of it, in the process that asks: it opens the file from bytes,
renders pages and gives each character of a page's text with its box. PDFium is not
thread-safe; our web and task workers are processes, one request or task at a time.

A PDF is checked in full before anything is stored: its size in bytes, that it is a PDF,
that PDFium opens it without a password and it carries no encryption at all (a print PDF
exported with permissions set is refused too: it renders, but its owner said not to copy
it), that it has pages and not too many, and that every page renders. Each refusal is one
line of Chinese the form shows.
"""

import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

NOT_A_PDF = "这不是 PDF 文件,请上传从排版系统导出的 PDF。"
DAMAGED = "PDF 文件已损坏或不完整,无法打开,请重新导出后再上传。"
ENCRYPTED = "PDF 已加密(设有打开密码或权限限制),请导出不加密的 PDF 后再上传。"
NO_PAGES = "PDF 中没有页面。"
MOST_OBLONG = 0.2  # height to width: a 版 is about 1.4, a spread 0.7; 1:5 either way at most


def max_bytes():
    return settings.NEWSROOM_EPAPER_MAX_BYTES


def max_pages():
    return settings.NEWSROOM_EPAPER_MAX_PAGES


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    sizes: list  # (width, height) of each page, in points


def read_upload(file):
    """The bytes of an uploaded file, refused if it is too large; the file is left at its start."""
    limit = max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"PDF 文件太大({filesizeformat(file.size)}),不能超过 {filesizeformat(limit)}。"
        )
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    if len(data) > limit:
        raise ValidationError(f"PDF 文件太大,不能超过 {filesizeformat(limit)}。")
    return data


def check(data, *, single_page=False):
    """PdfInfo for PDF bytes we can use, or a ValidationError saying why not."""
    if not data:
        raise ValidationError("上传的文件是空的(0 字节),请重新选择 PDF。")
    # The header may follow a little junk (some exporters write a BOM or a line first).
    if b"%PDF-" not in data[:1024]:
        raise ValidationError(NOT_A_PDF)
    document = open_document(data)
    try:
        pages = len(document)
        if pages == 0:
            raise ValidationError(NO_PAGES)
        if single_page and pages > 1:
            raise ValidationError(
                f"这个 PDF 有 {pages} 页,一个版只能有 1 页;整期的 PDF 请用“上传整期 PDF”。"
            )
        if pages > max_pages():
            raise ValidationError(f"PDF 有 {pages} 页,一期最多 {max_pages()} 个版。")
        sizes = []
        for index in range(pages):
            page = document[index]
            try:
                width, height = page.get_size()
                if not (width > 0 and height > 0):
                    raise ValidationError(f"PDF 第 {index + 1} 页没有尺寸,无法显示。")
                # Page images are rendered at a fixed width: a sliver of a page would make an
                # image hundreds of thousands of pixels tall.
                if not MOST_OBLONG <= height / width <= 1 / MOST_OBLONG:
                    raise ValidationError(
                        f"PDF 第 {index + 1} 页的尺寸({width:.0f}×{height:.0f} 磅)不像报纸版面,"
                        "请检查导出设置。"
                    )
                # A tiny render reads every object the page draws: a damaged stream shows here,
                # not in the task after the file was stored.
                page.render(scale=min(1.0, 60 / width)).close()
            except pdfium.PdfiumError:
                raise ValidationError(
                    f"PDF 第 {index + 1} 页已损坏,无法显示,请重新导出后再上传。"
                ) from None
            finally:
                page.close()
            sizes.append((width, height))
        return PdfInfo(pages=pages, sizes=sizes)
    finally:
        document.close()


def open_document(data):
    """A PdfDocument of these bytes; a ValidationError if it is encrypted or cannot be opened."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ValidationError(ENCRYPTED) from None
        raise ValidationError(DAMAGED) from None
    if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
        document.close()
        raise ValidationError(ENCRYPTED)
    return document


def split(data):
    """Each page of a checked PDF as a PDF of its own: [bytes, …] in page order."""
    source = pdfium.PdfDocument(data)
    try:
        parts = []
        for index in range(len(source)):
            part = pdfium.PdfDocument.new()
            try:
                part.import_pages(source, [index])
                buffer = BytesIO()
                part.save(buffer)
                parts.append(buffer.getvalue())
            finally:
                part.close()
        return parts
    finally:
        source.close()


# Reading a page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    """One printed character: its text (NFKC, so full and half width read alike) and its box
    as fractions of the page from the top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    size: float  # the font size, in points


@dataclass
class PageText:
    width: float
    height: float
    glyphs: list  # Glyph, in reading order, whitespace left out
    lines: list  # [left, top, right, bottom] of each run of text PDFium reports

    @property
    def text(self):
        return "".join(glyph.text for glyph in self.glyphs)


def read_text(document, index=0):
    """The characters and text runs of one page of an open document, with their positions."""
    page = document[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            glyphs = []
            for i in range(textpage.count_chars()):
                code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
                char = chr(code) if 0 < code < 0x110000 else ""
                if not char.strip():
                    continue
                left, bottom, right, top = textpage.get_charbox(i)
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
                for part in unicodedata.normalize("NFKC", char):
                    glyphs.append(
                        Glyph(
                            part,
                            left / width,
                            1 - top / height,
                            right / width,
                            1 - bottom / height,
                            size,
                        )
                    )
            lines = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                lines.append([left / width, 1 - top / height, right / width, 1 - bottom / height])
        finally:
            textpage.close()
    finally:
        page.close()
    return PageText(width=width, height=height, glyphs=glyphs, lines=lines)


PAGE_MARKER = re.compile(r"第\s*0*(\d{1,3})\s*版\s*[::·•\-—]?\s*([\u4e00-\u9fff]{2,8})?")


def printed_page_label(text):
    """(number, name) a page prints in its header, such as `第03版:经济`, or (None, "")."""
    match = PAGE_MARKER.search(text[:200])
    if not match:
        return None, ""
    return int(match.group(1)), match.group(2) or ""


def render(document, index, width):
    """A PIL image of one page, `width` pixels wide."""
    page = document[index]
    try:
        page_width, _ = page.get_size()
        bitmap = page.render(scale=width / page_width, may_draw_forms=False)
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()
