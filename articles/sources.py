"""What an import accepts: the source file's bytes, the issue date, and the limits.

The `import_issue` command and the admin's import page both come through
here, so a file refused on the command line is refused in the browser with
the same one-line Chinese message, and nothing is written.
"""

import hashlib
import re
import unicodedata
from datetime import date

from django.conf import settings

from articles.models import Article, Section
from articles.parsing import parse_issue
from newsroom.dates import date_range, out_of_range_message
from people.models import Person

# 2022-12-20, 2022/12/20, 2022.12.20 (one separator throughout), 20221220 and 2022年12月20日,
# in either width: nothing else, so 202212 is not read as some other day.
_DATE_RES = [
    re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$"),
    re.compile(r"^(\d{4})()年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})$"),
]
# What binary files begin with: images, PDFs, archives, office documents.
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
)


class SourceError(ValueError):
    """A problem with what the user gave the import: one line, in Chinese, nothing written."""


def decode_source(data, name):
    """The file's text and SHA-256, or a SourceError that says what is wrong with it."""
    refuse_oversized(len(data), name)
    if data.startswith(_BINARY_SIGNATURES):
        raise SourceError(
            f"这是图片、PDF、压缩包或 Office 文档,不是文本文件:{name}。请导出为纯文本(UTF-8)"
        )
    utf16 = _utf16_variant(data)
    if utf16:
        raise SourceError(
            f"文件是 {utf16} 编码,请先转换为 UTF-8:iconv -f {utf16} -t UTF-8 {name} > 新文件.txt"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            hint = "请确认它是文本文件,并另存为 UTF-8 编码"
        else:
            hint = f"如是 GBK 编码,请先转换:iconv -f GB18030 -t UTF-8 {name} > 新文件.txt"
        raise SourceError(
            f"文件不是 UTF-8 编码(第 {error.start} 字节处无法解码):{name}。{hint}"
        ) from None
    if "\x00" in text:
        raise SourceError(f"文件含有二进制内容,不是文本文件:{name}")
    if not text.strip():
        raise SourceError(f"文件是空的:{name}")
    return text, hashlib.sha256(data).hexdigest()


def refuse_oversized(size, name):
    limit = settings.NEWSROOM_IMPORT_MAX_BYTES
    if size > limit:
        raise SourceError(
            f"文件太大:{_megabytes(size)},上限是 {_megabytes(limit)}"
            f"(NEWSROOM_IMPORT_MAX_BYTES)。一期报纸的文本通常不到 1 MB,请检查是否选错了文件:{name}"
        )


def check_paper(paper):
    """One paper per site: its issues are known by date alone (/issues/<date>/)."""
    paper = (paper or "").strip()
    if paper != settings.NEWSROOM_PAPER_NAME:
        raise SourceError(
            f"本站出版的是 {settings.NEWSROOM_PAPER_NAME}(NEWSROOM_PAPER_NAME),"
            f"不能导入 {paper or '(空)'} 的版面;另一份报纸请用另一个站点。"
        )
    return paper


def parse_issue_number(value):
    """期号: a positive whole number in either width, or None when not given."""
    if value is None or not str(value).strip():
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"\d+", text) or int(text) == 0:
        raise SourceError(f"期号应为正整数:{value!r}")
    if len(text) > 9:
        raise SourceError(f"期号太大:{value},最多 9 位数")
    return int(text)


def _utf16_variant(data):
    if data.startswith(b"\xff\xfe"):
        return "UTF-16LE"
    if data.startswith(b"\xfe\xff"):
        return "UTF-16BE"
    # Without a byte-order mark: UTF-16 is what turns the bytes into lines of readable text.
    if len(data) % 2 or b"\x00" not in data[:4096]:
        return None
    for variant in ("UTF-16LE", "UTF-16BE"):
        try:
            sample = data[:4096].decode(variant.lower())
        except UnicodeDecodeError:
            continue
        readable = sum(char.isprintable() or char in "\n\r\t" for char in sample)
        if "\n" in sample and readable >= 0.95 * len(sample):
            return variant
    return None


def _megabytes(size):
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def parse_issue_date(value):
    """An issue date as people type it, full-width digits included; SourceError if not a date."""
    if value is None or not str(value).strip():
        raise SourceError("缺少出版日期:请给出日期,格式 YYYY-MM-DD,例如 2022-12-20")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = next((m for m in (r.match(text) for r in _DATE_RES) if m), None)
    if not match:
        raise SourceError(f"日期格式不对:{value!r},应为 YYYY-MM-DD,例如 2022-12-20")
    year, _, month, day_of_month = match.groups()
    try:
        day = date(int(year), int(month), int(day_of_month))
    except ValueError:
        raise SourceError(f"日期不存在:{value}") from None
    earliest, latest = date_range()
    if not earliest <= day <= latest:
        raise SourceError(out_of_range_message(day))
    return day


def known_sections():
    return list(Section.objects.values_list("name", flat=True))


def parse(text, *, decisions=None, keep_punctuation=False, sections=None):
    """Parse a source with the columns already in use (or those given), with import notes.

    The admin passes the columns as they were when the editor uploaded the source, so the
    worker imports exactly what the review page showed, whatever columns appeared since.
    """
    parsed = parse_issue(
        text,
        known_sections=known_sections() if sections is None else sections,
        decisions=decisions,
        keep_punctuation=keep_punctuation,
    )
    if parsed.punctuation_changes:
        parsed.notes.append(
            f"已把 {parsed.punctuation_changes} 处夹在中文里的半角标点改为全角(，。；：？！（）);"
            "如需保留原样,导入时选择“保留原标点”。"
        )
    return parsed


def check_limits(parsed, name=""):
    """Every reason the parsed issue cannot be imported, each one line naming the article."""
    if not parsed.articles:
        return [f"文件中没有找到任何标题(以 # 开头的行):{name}".rstrip(":")]
    problems = []
    limit = settings.NEWSROOM_IMPORT_MAX_ARTICLES
    if len(parsed.articles) > limit:
        problems.append(
            f"这个文件有 {len(parsed.articles)} 篇稿件,超过每期 {limit} 篇的上限"
            "(NEWSROOM_IMPORT_MAX_ARTICLES),请检查是否选错了文件"
        )
        return problems
    for number, article in enumerate(parsed.articles, start=1):
        where = f"第 {number} 篇《{_short(article.headline)}》"
        for field, value in [
            ("headline", article.headline),
            ("kicker", article.kicker),
            ("subheadline", article.subheadline),
            ("dateline", article.dateline),
            ("page_name", article.page_name),
        ]:
            problems += _too_long(where, Article, field, value)
        problems += _too_long(where, Section, "name", article.section, "栏目名")
        names = [c.name for c in article.credits]
        names += [c.name for photo in article.photos for c in photo.credits]
        for name_ in names:
            problems += _too_long(where, Person, "name", name_, "署名")
    return problems


def _too_long(where, model, field, value, label=None):
    if not value:
        return []
    model_field = model._meta.get_field(field)
    if len(value) <= model_field.max_length:
        return []
    label = label or str(model_field.verbose_name)
    return [
        f"{where}的{label}“{_short(value)}”有 {len(value)} 字,"
        f"超过 {model_field.max_length} 字的上限,请在源文件里改短"
    ]


def _short(text, length=20):
    return text if len(text) <= length else text[:length] + "…"


def refuse_unless_importable(parsed, name=""):
    """SourceError with the first problem (and how many more) if the issue cannot be imported."""
    problems = check_limits(parsed, name)
    if problems:
        more = f"(另有 {len(problems) - 1} 处问题)" if len(problems) > 1 else ""
        raise SourceError(problems[0] + more)
