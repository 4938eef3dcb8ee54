"""Import one print issue (期) from its flattened source text.

    python manage.py import_issue fixtures/tongliao-daily-2022-12-20.txt --date 2022-12-20

Every mistake in the input is one line on stderr and a non-zero exit, with
the database untouched; the whole import is one transaction.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import sources
from articles.importing import import_parsed_issue


def read_source(path):
    """The file's text and SHA-256; a SourceError says what is wrong with it."""
    source = Path(path)
    if not source.exists():
        raise sources.SourceError(f"找不到文件:{path}")
    if not source.is_file():
        raise sources.SourceError(f"不是文件:{path}")
    try:
        # Refused by size before it is read: a wrong 50 MB file never reaches memory.
        sources.refuse_oversized(source.stat().st_size, path)
        data = source.read_bytes()
    except OSError as error:
        raise sources.SourceError(f"无法读取文件 {path}:{error.strerror or error}") from None
    return sources.decode_source(data, path)


class Command(BaseCommand):
    help = "从版面文本文件导入一期报纸(标题、栏目、署名、正文、图片说明)。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="源文件路径(UTF-8 文本)")
        parser.add_argument("--date", help="出版日期,YYYY-MM-DD(必填,全角数字也可以)")
        parser.add_argument("--paper", default=settings.NEWSROOM_PAPER_NAME, help="报纸名称")
        parser.add_argument("--number", help="期号(正整数)")
        parser.add_argument("--publish", action="store_true", help="导入后立即发布")
        parser.add_argument(
            "--keep-punctuation",
            action="store_true",
            help="保留源文件的标点原样(默认把夹在中文里的半角标点改为全角)",
        )
        parser.add_argument("--dry-run", action="store_true", help="只解析,不写入数据库")
        parser.add_argument("--json", action="store_true", help="把解析结果以 JSON 输出到标准输出")

    def handle(self, *args, **options):
        try:
            self.run(**options)
        except sources.SourceError as error:
            raise CommandError(str(error)) from None

    def run(self, **options):
        if options["date"] is None:
            raise sources.SourceError("缺少 --date 参数:请给出出版日期,格式 YYYY-MM-DD")
        issue_date = sources.parse_issue_date(options["date"])
        number = sources.parse_issue_number(options["number"])
        paper = sources.check_paper(options["paper"])
        text, sha256 = read_source(options["path"])
        parsed = sources.parse(text, keep_punctuation=options["keep_punctuation"])
        sources.refuse_unless_importable(parsed, options["path"])

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
