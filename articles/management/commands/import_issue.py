"""Import one print issue (期) from its flattened source text.

    python manage.py import_issue fixtures/tongliao-daily-2022-12-20.txt --date 2022-12-20

Every mistake in the input is one line on stderr and a non-zero exit, with
the database untouched; the whole import is one transaction.
"""

import hashlib
import json
import re
from datetime import date as date_type
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importing import import_parsed_issue
from articles.models import Section
from articles.parsing import parse_issue
from newsroom.dates import date_range, out_of_range_message

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_source(path):
    """The file's text and SHA-256, or a CommandError that says what is wrong with it."""
    source = Path(path)
    if not source.exists():
        raise CommandError(f"找不到文件:{path}")
    if not source.is_file():
        raise CommandError(f"不是文件:{path}")
    try:
        data = source.read_bytes()
    except OSError as error:
        raise CommandError(f"无法读取文件 {path}:{error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(
            f"文件不是 UTF-8 编码(第 {error.start} 字节处无法解码):{path}。"
            f"如是 GBK 编码,请先转换:iconv -f GBK -t UTF-8 {path} > 新文件.txt"
        ) from None
    if not text.strip():
        raise CommandError(f"文件是空的:{path}")
    if "\x00" in text:
        raise CommandError(f"文件含有二进制内容,不是文本文件:{path}")
    return text, hashlib.sha256(data).hexdigest()


def parse_date(value):
    if value is None:
        raise CommandError("缺少 --date 参数:请给出出版日期,格式 YYYY-MM-DD")
    if not DATE_RE.match(value or ""):
        raise CommandError(f"日期格式不对:{value!r},应为 YYYY-MM-DD,例如 2022-12-20")
    try:
        day = date_type.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期不存在:{value}") from None
    earliest, latest = date_range()
    if not earliest <= day <= latest:
        raise CommandError(out_of_range_message(day))
    return day


def parse_number(value):
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,9}", value) or int(value) == 0:
        raise CommandError(f"期号应为正整数:{value!r}")
    return int(value)


class Command(BaseCommand):
    help = "从版面文本文件导入一期报纸(标题、栏目、署名、正文、图片说明)。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="源文件路径(UTF-8 文本)")
        parser.add_argument("--date", help="出版日期,YYYY-MM-DD(必填)")
        parser.add_argument("--paper", default=settings.NEWSROOM_PAPER_NAME, help="报纸名称")
        parser.add_argument("--number", help="期号(正整数)")
        parser.add_argument("--publish", action="store_true", help="导入后立即发布")
        parser.add_argument("--dry-run", action="store_true", help="只解析,不写入数据库")
        parser.add_argument("--json", action="store_true", help="把解析结果以 JSON 输出到标准输出")

    def handle(self, *args, **options):
        issue_date = parse_date(options["date"])
        number = parse_number(options["number"])
        paper = (options["paper"] or "").strip()
        if paper != settings.NEWSROOM_PAPER_NAME:
            # One paper per site: its issues are known by date alone (/issues/<date>/).
            raise CommandError(
                f"本站出版的是 {settings.NEWSROOM_PAPER_NAME}(NEWSROOM_PAPER_NAME),"
                f"不能导入 {paper or '(空)'} 的版面;另一份报纸请用另一个站点。"
            )
        text, sha256 = read_source(options["path"])

        known_sections = Section.objects.values_list("name", flat=True)
        parsed = parse_issue(text, known_sections=list(known_sections))
        if not parsed.articles:
            raise CommandError(f"文件中没有找到任何标题(以 # 开头的行):{options['path']}")

        # With --json, stdout carries only the JSON; the summary goes to stderr.
        out = self.stderr if options["json"] else self.stdout
        if options["json"]:
            payload = {
                "issue": {"paper": paper, "date": issue_date.isoformat(), "number": number},
                **parsed.to_dict(),
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

        if options["dry_run"]:
            if options["verbosity"] >= 1 and not options["json"]:
                photos = sum(len(a.photos) for a in parsed.articles)
                out.write(
                    f"试运行:解析出 {len(parsed.articles)} 篇文章、{photos} 张图片,未写入数据库。"
                )
            return

        def progress(done, total):
            if options["verbosity"] >= 1:
                out.write(f"已处理 {done}/{total} 篇")

        report = import_parsed_issue(
            parsed,
            paper=paper,
            date=issue_date,
            number=number,
            source_name=Path(options["path"]).name,
            sha256=sha256,
            publish=options["publish"],
            progress=progress,
        )
        if options["verbosity"] >= 1:
            self.write_report(out, report)

    def write_report(self, out, report):
        out.write(self.style.SUCCESS(f"已导入 {report.issue}"))
        out.write(
            f"文章:新建 {len(report.created)},更新 {len(report.updated)},"
            f"未变 {len(report.unchanged)},保留编辑修改 {len(report.kept)},"
            f"保留编辑决定 {len(report.desk_decided)}"
            + (f",发布 {report.published}" if report.published else "")
        )
        out.write(f"人员:新建 {report.people_created},已有 {report.people_matched}")
        out.write(f"栏目:新建 {report.sections_created},已有 {report.sections_matched}")
        out.write(f"图片:新建 {report.photos_created}")
        for headline in report.desk_decided:
            out.write(self.style.WARNING(f"保留编辑决定,未改动:{headline}"))
        for headline in report.kept:
            out.write(self.style.WARNING(f"编辑已修改,未覆盖:{headline}"))
        for headline in report.missing:
            out.write(self.style.WARNING(f"新文件中已没有这篇,原稿保留:{headline}"))
