"""版 PDFs in, page images out: storing uploads and rendering them, off the request.

An upload (one 版, or a whole issue split into 版) is stored with its PrintPage in the
editor's request, after the PDF was checked (forms.py); the images are made by the
`render_print_page` task (articles/tasks.py) once that commits: a print-like one, 2000
pixels wide (about 150 dpi on a broadsheet), and smaller ones for phones and the 版 list,
each as WebP and JPEG. The same task proposes the zones (zones.py) from the page's text.
PDFium itself only ever runs in a child process with limits (isolation.py, pdf.py).
"""

import hashlib
import json
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from articles import page_cache
from articles.changes import content_changed
from articles.epaper import isolation
from articles.images import delete_files, delete_files_on_commit, rendition_paths
from articles.models import THUMBNAIL_WIDTH, Article, PrintPage

PAGE_WIDTHS = (THUMBNAIL_WIDTH, 480, 800, 1200, 2000)
FOLDER = "epaper/images"


def epaper_changed(page):
    """A 版 added, replaced, rendered or removed: its issue's pages and every page that lists
    the e-paper (the front page's thumbnails, the date picker) follow."""
    content_changed(tags=[page_cache.issue_tag(page.issue_id), page_cache.EPAPER])


def store_page(issue, number, name, data, *, filename):
    """Create or replace 版 `number` of the issue with these (checked) PDF bytes."""
    page = PrintPage.objects.filter(issue=issue, number=number).first()
    if page is None:
        page = PrintPage(issue=issue, number=number)
    if name or not page.name:
        page.name = name or page_name_from_articles(issue, number)
    # Saving a new PDF drops the old one's images (PrintPage.save); the task makes new ones.
    page.pdf.save(filename, ContentFile(data), save=False)
    page.save()
    epaper_changed(page)
    return page


def store_issue(issue, data, *, filename):
    """Split a whole issue's (checked) PDF into 版, numbered by the page number each prints in
    its header (第03版), or else by its place; returns the pages."""
    with isolation.workspace() as folder:
        parts = isolation.run("split", data, folder=folder)
        for part in parts:
            part["data"] = Path(part["file"]).read_bytes()
    numbers = [part["number"] for part in parts]
    # Printed numbers are used only if every page has one and none repeats.
    if None in numbers or len(set(numbers)) != len(numbers):
        for index, part in enumerate(parts):
            part["number"] = index + 1
    stem = PurePosixPath(filename).stem
    return [
        store_page(
            issue,
            part["number"],
            part["name"],
            part["data"],
            filename=f"{stem}-{part['number']:02d}.pdf",
        )
        for part in parts
    ]


def page_name_from_articles(issue, number):
    """The 版 name the importer recorded on the issue's articles, if any."""
    names = (
        Article.objects.filter(issue=issue, page_number=number)
        .exclude(page_name="")
        .values_list("page_name", flat=True)
    )
    return names.first() or ""


def render_images(page):
    """(renditions, (width, height) in points, page text, its layout_digest()) of a page's PDF,
    rendered in a child process (isolation.py); the image files are stored."""
    with page.pdf.open("rb") as file:
        data = file.read()
    stem = PurePosixPath(page.pdf.name).stem
    sizes = {}
    with isolation.workspace() as folder:
        made = isolation.run("render", data, folder=folder, widths=list(PAGE_WIDTHS))
        try:
            for width, entry in made["images"].items():
                sizes[width] = {"height": entry["height"]}
                for kind, suffix in (("webp", "webp"), ("jpeg", "jpg")):
                    content = ContentFile(Path(entry[kind]).read_bytes())
                    sizes[width][kind] = default_storage.save(
                        f"{FOLDER}/{stem}-{width}.{suffix}", content
                    )
        except BaseException:
            delete_files(rendition_paths({"sizes": sizes}))
            raise
    renditions = {"source": page.pdf.name, "sizes": sizes}
    size = (made["width"], made["height"])
    return renditions, size, made["text"], layout_digest(made["text"])


def layout_digest(text):
    """What the page prints and where, as a digest: the same for a PDF exported again (new
    timestamps, new ids), different once anything on the page moved or changed."""
    lines = [[round(value, 4) for value in line] for line in text["lines"]]
    return hashlib.sha256(json.dumps([text["text"], lines]).encode()).hexdigest()


def record_images(page_pk, renditions, size):
    """Record rendered images on the page if its PDF is still the one they came from; True if
    recorded (otherwise the caller deletes them)."""
    with transaction.atomic():
        page = PrintPage.objects.select_for_update().filter(pk=page_pk).first()
        if page is None or page.pdf.name != renditions["source"]:
            return False
        previous = page.renditions
        page.renditions, page.render_error = renditions, ""
        page.width, page.height = size
        page.save(update_fields=["renditions", "render_error", "width", "height"])
        delete_files_on_commit(set(rendition_paths(previous)) - set(rendition_paths(renditions)))
        epaper_changed(page)
        # Their 在版面中查看 links appear once the 版 has images (articles/display.py).
        placed = page.zones.values_list("article_id", flat=True)
        content_changed(list(placed), listed=False, reindex=False)
    return True
