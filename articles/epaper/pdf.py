"""What PDFium (pypdfium2) does with a 版 PDF, run only in a child process of its own.

Nothing here runs in a web or task worker: `isolation.run()` starts
`python -m articles.epaper.pdf OPERATION` with the PDF on stdin, under a memory limit and a
time limit, and reads one line of JSON back. Two reasons (both seen on the production stack):
PDFium is not thread-safe, and our web workers run several threads, so uploads at once
crashed them; and a PDF of a few kilobytes can draw a form inside a form millions of times,
which grew a worker past 12 GB. A child that runs out of either limit dies alone, and the
editor gets one line saying why.

The module imports no Django, so the child starts in a fraction of a second.

Operations (the JSON options say the limits and where files go):
- check: the PDF is one we can use: a PDF, opens without a password and carries no
  encryption at all (a print PDF exported with permissions set renders, but its owner said
  not to copy it), has pages and not too many, each shaped like a page and rendering;
- split: each page as a PDF of its own, with the 版 number and name its header prints;
- render: a page's images at the given widths (WebP and JPEG) and its text with positions.
"""

import json
import re
import resource
import sys
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from articles.encoding import encode

NOT_A_PDF = "这不是 PDF 文件,请上传从排版系统导出的 PDF。"
DAMAGED = "PDF 文件已损坏或不完整,无法打开,请重新导出后再上传。"
ENCRYPTED = "PDF 已加密(设有打开密码或权限限制),请导出不加密的 PDF 后再上传。"
NO_PAGES = "PDF 中没有页面。"
MOST_OBLONG = 0.2  # height to width: a 版 is about 1.4, a spread 0.7; 1:5 either way at most


class Refused(Exception):
    """The PDF cannot be used; the message says why, in one line for the editor."""


def check(data, single_page=False, max_pages=64):
    """{"pages", "sizes"} of PDF bytes we can use; Refused otherwise."""
    if not data:
        raise Refused("上传的文件是空的(0 字节),请重新选择 PDF。")
    # The header may follow a little junk (some exporters write a BOM or a line first).
    if b"%PDF-" not in data[:1024]:
        raise Refused(NOT_A_PDF)
    document = open_document(data)
    try:
        pages = len(document)
        if pages == 0:
            raise Refused(NO_PAGES)
        if single_page and pages > 1:
            raise Refused(
                f"这个 PDF 有 {pages} 页,一个版只能有 1 页;整期的 PDF 请用“上传整期 PDF”。"
            )
        if pages > max_pages:
            raise Refused(f"PDF 有 {pages} 页,一期最多 {max_pages} 个版。")
        return {"pages": pages, "sizes": [_check_page(document, i) for i in range(pages)]}
    finally:
        document.close()


def _check_page(document, index):
    page = document[index]
    try:
        width, height = page.get_size()
        if not (width > 0 and height > 0):
            raise Refused(f"PDF 第 {index + 1} 页没有尺寸,无法显示。")
        # Page images are rendered at a fixed width: a sliver of a page would make an image
        # hundreds of thousands of pixels tall.
        if not MOST_OBLONG <= height / width <= 1 / MOST_OBLONG:
            raise Refused(
                f"PDF 第 {index + 1} 页的尺寸({width:.0f}×{height:.0f} 磅)不像报纸版面,"
                "请检查导出设置。"
            )
        # A small render draws every object the page has: a damaged stream, or a page that
        # takes too long to draw, shows here rather than after the file was stored.
        page.render(scale=min(1.0, 100 / width)).close()
        return [width, height]
    except pdfium.PdfiumError:
        raise Refused(f"PDF 第 {index + 1} 页已损坏,无法显示,请重新导出后再上传。") from None
    finally:
        page.close()


def open_document(data):
    """A PdfDocument of these bytes; Refused if it is encrypted or cannot be opened."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise Refused(
            ENCRYPTED if error.err_code == pdfium_c.FPDF_ERR_PASSWORD else DAMAGED
        ) from None
    if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
        document.close()
        raise Refused(ENCRYPTED)
    return document


def split(data, folder):
    """Each page of a checked PDF written to `folder` as a PDF of its own:
    [{"file", "number", "name"}] in page order, with what the page's header prints."""
    source = open_document(data)
    try:
        parts = []
        for index in range(len(source)):
            part = pdfium.PdfDocument.new()
            try:
                part.import_pages(source, [index])
                path = Path(folder) / f"{index + 1:03d}.pdf"
                with path.open("wb") as file:
                    part.save(file)
            finally:
                part.close()
            number, name = printed_page_label(header_text(source, index))
            parts.append({"file": str(path), "number": number, "name": name})
        return parts
    finally:
        source.close()


def header_text(document, index):
    """The start of a page's text as PDFium reads it, line breaks kept (so a header's 版 name
    does not run into the headline under it)."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range(0, min(200, textpage.count_chars()))
        finally:
            textpage.close()
    finally:
        page.close()


PAGE_MARKER = re.compile(r"第\s*0*(\d{1,3})\s*版\s*[::·•\-—]?\s*([\u4e00-\u9fff]{2,8})?")


def printed_page_label(text):
    """(number, name) a page prints in its header, such as `第03版:经济`, or (None, "")."""
    match = PAGE_MARKER.search(text[:200])
    if not match:
        return None, ""
    return int(match.group(1)), match.group(2) or ""


def read_text(document, index=0):
    """A page's printed characters and text runs with their positions, as fractions of the
    page from its top left corner: {"text", "glyphs": [[char, left, top, right, bottom,
    font size]], "lines": [[left, top, right, bottom]]}. Characters are NFKC (full and half
    width read alike); whitespace is left out."""
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
                box = [left / width, 1 - top / height, right / width, 1 - bottom / height]
                glyphs += [[part, *box, size] for part in unicodedata.normalize("NFKC", char)]
            lines = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                lines.append([left / width, 1 - top / height, right / width, 1 - bottom / height])
        finally:
            textpage.close()
    finally:
        page.close()
    return {"text": "".join(g[0] for g in glyphs), "glyphs": glyphs, "lines": lines}


def render(data, folder, widths):
    """A one-page PDF's images at each width, as WebP and JPEG files in `folder`, and its text:
    {"width", "height" (points), "images": {width: {"height", "jpeg", "webp"}}, "text"}."""
    document = open_document(data)
    try:
        page = document[0]
        try:
            width, height = page.get_size()
            bitmap = page.render(scale=max(widths) / width, may_draw_forms=False)
            try:
                image = bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
        finally:
            page.close()
        images = {}
        for target in sorted(widths):
            size = (target, max(1, round(image.height * target / image.width)))
            resized = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
            entry = images[str(target)] = {"height": size[1]}
            for kind in ("webp", "jpeg"):
                path = Path(folder) / f"{target}.{kind}"
                path.write_bytes(encode(resized, kind))
                entry[kind] = str(path)
        return {"width": width, "height": height, "images": images, "text": read_text(document)}
    finally:
        document.close()


OPERATIONS = {"check": check, "split": split, "render": render}


def main():
    """The child: limits first, then one operation on the PDF read from stdin."""
    operation, options = sys.argv[1], json.loads(sys.argv[2])
    memory = options.pop("memory_bytes")
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = options.pop("cpu_seconds")
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    data = sys.stdin.buffer.read()
    try:
        answer = {"result": OPERATIONS[operation](data, **options)}
    except Refused as refusal:
        answer = {"refused": str(refusal)}
    except MemoryError:
        answer = {"too_big": True}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main()
