"""`manage.py import_issue`: the seed, re-imports, and every kind of bad input."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Credit, Issue, Photo, PhotoCredit, Section
from people.models import Person
from tests.conftest import SEED, SEED_DATE
from tests.test_parser import EXPECTED_SEED

ROOT = Path(__file__).resolve().parent.parent


def run_import(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("import_issue", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def database_state():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Issue, Section, Article, Credit, Photo, PhotoCredit, Person)
    } | {"fingerprints": sorted(Article.objects.values_list("import_fingerprint", "updated_at"))}


@pytest.mark.django_db
def test_dry_run_json_prints_the_seed_structure_and_writes_nothing():
    out, _ = run_import(SEED, "--date", SEED_DATE, "--dry-run", "--json")
    data = json.loads(out)
    assert data["issue"] == {"paper": "通辽日报", "date": "2022-12-20", "number": None}
    articles = data["articles"]
    assert [
        (
            a["headline"],
            a["section"],
            a["dateline"],
            [(c["name"], c["role"], c["staff"]) for c in a["credits"]],
        )
        for a in articles
    ] == [(h, s, d, c) for h, s, d, c in EXPECTED_SEED]
    for article in articles:
        assert set(article) >= {
            "headline",
            "kicker",
            "subheadline",
            "section",
            "dateline",
            "credits",
            "body",
            "photos",
            "notes",
        }
        assert article["kicker"] is None and article["subheadline"] is None
        assert all(set(b) == {"type", "text"} for b in article["body"])
        assert all(b["type"] in {"paragraph", "subhead"} for b in article["body"])
    assert [sum(b["type"] == "subhead" for b in a["body"]) for a in articles] == [
        0,
        0,
        0,
        0,
        3,
        0,
        4,
        3,
    ]
    assert articles[4]["notes"] == ["传播党的声音"]
    assert any("深入开展理论研究，" in b["text"] for b in articles[4]["body"])
    assert articles[5]["photos"] == [
        {
            "caption": "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。",
            "credits": [{"name": "胡建华", "role": "特约通讯员", "staff": True}],
        }
    ]
    assert all(a["photos"] == [] for i, a in enumerate(articles) if i != 5)
    assert Issue.objects.count() == Article.objects.count() == Person.objects.count() == 0


@pytest.mark.django_db
def test_import_creates_the_seed_issue():
    out, _ = run_import(SEED, "--date", SEED_DATE, "--number", "7123", "--publish")
    issue = Issue.objects.get()
    assert (issue.paper, issue.date.isoformat(), issue.number) == ("通辽日报", SEED_DATE, 7123)
    assert issue.source_name == SEED.name
    assert len(issue.source_sha256) == 64 and issue.imported_at is not None
    assert (
        "新建 8" in out and "人员:新建 9" in out and "栏目:新建 4" in out and "图片:新建 1" in out
    )

    articles = list(Article.objects.order_by("position"))
    assert [a.headline for a in articles] == [row[0] for row in EXPECTED_SEED]
    assert all(a.is_published for a in articles)
    assert Person.objects.count() == 9
    assert Person.objects.get(name="李娜").credits.count() == 2
    assert Person.objects.get(name="邵南").credits.count() == 2
    assert set(Section.objects.values_list("name", flat=True)) == {
        "乡村振兴进行时",
        "学习宣传贯彻党的二十大精神",
        "优化营商环境进行时",
        "人大代表风采",
    }
    kailu = articles[5]
    assert kailu.byline() == "特约通讯员 胡建华 通讯员 杨景欣 郭大雷 田秀敏"
    photo = kailu.photos.get()
    assert photo.caption.startswith("图为内蒙古圣雪大成制药") and not photo.image
    assert photo.credit_line() == "本报特约通讯员 胡建华 摄"
    assert articles[6].byline() == "本报记者 邵南 通讯员 张弘强"
    assert articles[4].byline() == "狄雅莉"
    assert articles[4].import_notes == ["传播党的声音"]


@pytest.mark.django_db
def test_import_without_publish_leaves_drafts():
    run_import(SEED, "--date", SEED_DATE)
    assert Article.objects.count() == 8
    assert Article.objects.published().count() == 0


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    run_import(SEED, "--date", SEED_DATE, "--publish")
    before = database_state()
    out, _ = run_import(SEED, "--date", SEED_DATE, "--publish")
    assert "新建 0,更新 0,未变 8,保留编辑修改 0" in out
    assert database_state() == before


@pytest.mark.django_db
def test_reimport_updates_untouched_articles_and_keeps_edited_ones(tmp_path):
    run_import(SEED, "--date", SEED_DATE, "--publish")
    edited = Article.objects.get(headline="我市工业生产持续向好")
    edited.body = [{"type": "paragraph", "text": "编辑改过的正文。"}]
    edited.save()
    credit_edited = Article.objects.get(headline="我市投资延续高增态势")
    credit_edited.credits.update(role="编辑")

    changed = SEED.read_text(encoding="utf-8")
    changed = changed.replace(
        "全市规模以上工业增加值同比增长4.3%", "全市规模以上工业增加值同比增长4.4%"
    )
    changed = changed.replace(
        "全市限额以上固定资产投资同比增长31.8%", "全市限额以上固定资产投资同比增长31.9%"
    )
    changed = changed.replace("新建5G基站1207个,已累计", "新建5G基站1208个,已累计")
    source = tmp_path / "changed.txt"
    source.write_text(changed, encoding="utf-8")

    out, _ = run_import(source, "--date", SEED_DATE)
    assert "新建 0,更新 1,未变 5,保留编辑修改 2" in out
    assert "编辑已修改,未覆盖:我市工业生产持续向好" in out
    assert "编辑已修改,未覆盖:我市投资延续高增态势" in out
    edited.refresh_from_db()
    assert edited.body == [{"type": "paragraph", "text": "编辑改过的正文。"}]
    assert "31.8%" in Article.objects.get(pk=credit_edited.pk).body_text
    fiveg = Article.objects.get(headline="我市新建5G基站1207个")
    assert "1208个" in fiveg.body_text and fiveg.is_published
    assert fiveg.credits.get().person.name == "邵南"
    assert Article.objects.count() == 8 and Person.objects.count() == 9


@pytest.mark.django_db
def test_reimport_reports_articles_gone_from_the_source(tmp_path):
    run_import(SEED, "--date", SEED_DATE)
    text = SEED.read_text(encoding="utf-8")
    cut = text.index("## 迟红蕾")
    source = tmp_path / "shorter.txt"
    source.write_text(text[:cut], encoding="utf-8")
    out, _ = run_import(source, "--date", SEED_DATE)
    assert "新文件中已没有这篇,原稿保留:迟红蕾：心系社区 为民代言" in out
    assert Article.objects.count() == 8


@pytest.mark.django_db
def test_people_and_sections_are_matched_by_name():
    person = Person.objects.create(name="李娜", bio="本报资深记者")
    section = Section.objects.create(name="人大代表风采", slug="rendadaibiao")
    run_import(SEED, "--date", SEED_DATE)
    assert Person.objects.filter(name="李娜").count() == 1
    assert person.credits.count() == 2
    assert section.articles.count() == 1


def write_bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "missing file": (lambda tmp: tmp / "nope.txt", SEED_DATE, "找不到文件"),
    "directory": (lambda tmp: tmp, SEED_DATE, "不是文件"),
    "GBK file": (
        lambda tmp: write_bytes(tmp, "gbk.txt", SEED.read_text(encoding="utf-8").encode("gbk")),
        SEED_DATE,
        "不是 UTF-8 编码",
    ),
    "empty file": (lambda tmp: write_bytes(tmp, "empty.txt", b""), SEED_DATE, "文件是空的"),
    "blank file": (
        lambda tmp: write_bytes(tmp, "blank.txt", " \n\u3000\n".encode()),
        SEED_DATE,
        "文件是空的",
    ),
    "binary file": (lambda tmp: write_bytes(tmp, "bin.txt", b"# a\x00b\n"), SEED_DATE, "二进制"),
    "no headline": (
        lambda tmp: write_bytes(tmp, "plain.txt", "只有正文,没有标题。\n".encode()),
        SEED_DATE,
        "没有找到任何标题",
    ),
    "impossible date": (lambda tmp: SEED, "2022-13-45", "日期不存在"),
    "malformed date": (lambda tmp: SEED, "12/20/2022", "日期格式不对"),
    "words for a date": (lambda tmp: SEED, "昨天", "日期格式不对"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_one_clear_error_and_changes_nothing(case, tmp_path):
    run_import(SEED, "--date", SEED_DATE, "--publish")
    before = database_state()
    make_path, date, message = BAD_INPUTS[case]
    with pytest.raises(CommandError, match=message) as error:
        run_import(make_path(tmp_path), "--date", date)
    assert "\n" not in str(error.value)
    assert database_state() == before


@pytest.mark.django_db
def test_unreadable_file_is_one_clear_error(monkeypatch):
    # Tests run as root here, which reads any file; simulate what a desk user would meet.
    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(CommandError, match="无法读取文件") as error:
        run_import(SEED, "--date", SEED_DATE)
    assert "\n" not in str(error.value)
    assert Issue.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["0", "-3", "abc", "一"])
def test_bad_issue_number_is_refused(number):
    with pytest.raises(CommandError, match="期号应为正整数"):
        run_import(SEED, "--date", SEED_DATE, "--number", number)
    assert Issue.objects.count() == 0


@pytest.mark.django_db
def test_missing_date_is_refused():
    with pytest.raises(CommandError, match="缺少 --date"):
        run_import(SEED)


@pytest.mark.django_db
def test_a_failure_part_way_leaves_the_database_as_it_was(monkeypatch):
    run_import(SEED, "--date", SEED_DATE)
    before = database_state()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PhotoCredit.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        run_import(SEED, "--date", "2022-12-21")
    assert database_state() == before
    assert not Issue.objects.filter(date="2022-12-21").exists()


def test_command_line_errors_are_one_line_with_non_zero_exit(tmp_path):
    """Run as a staff member would: a real process, stderr and exit status."""
    gbk = write_bytes(tmp_path, "gbk.txt", "# 标题\n正文".encode("gbk"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings_test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_issue", str(gbk), "--date", SEED_DATE, "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "不是 UTF-8 编码" in result.stderr


@pytest.mark.django_db
def test_large_files_report_progress(tmp_path, settings):
    settings.NEWSROOM_IMPORT_MAX_ARTICLES = 1200
    article = "## 第{n}篇稿件标题\n\n**本报讯(记者 李娜)** 第{n}篇的正文。\n\n"
    source = tmp_path / "big.txt"
    source.write_text("".join(article.format(n=n) for n in range(1200)), encoding="utf-8")
    out, _ = run_import(source, "--date", SEED_DATE)
    assert "已处理 500/1200 篇" in out and "已处理 1200/1200 篇" in out
    assert Article.objects.count() == 1200
    assert Credit.objects.count() == 1200 and Person.objects.count() == 1
