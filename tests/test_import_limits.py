"""The importer's limits, encodings and the patterns it records, on both databases.

Every refusal is one line in Chinese and leaves the database exactly as it was.
"""

import threading
from datetime import date

import pytest
from django.core.management import CommandError
from django.db import connection

from articles import importing, workflow
from articles.models import Article, DeskRemoval, Issue, Section
from people.models import Person
from tests.conftest import SEED, SEED_DATE
from tests.test_import_command import database_state, run_import


def write(tmp_path, text, name="issue.txt", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def refused(path, *args):
    """Run the import expecting a refusal; return its one-line message."""
    before = database_state()
    with pytest.raises(CommandError) as error:
        run_import(path, *args)
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    assert database_state() == before
    return message


@pytest.fixture
def imported(db):
    run_import(SEED, "--date", SEED_DATE, "--publish")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(imported, tmp_path, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 1024
    big = write(tmp_path, "# 标题\n\n" + "正文。" * 2000)
    message = refused(big, "--date", "2022-12-21")
    assert "文件太大" in message and "上限是 1 KB" in message
    assert "NEWSROOM_IMPORT_MAX_BYTES" in message


def test_more_articles_than_an_issue_can_have_is_refused(imported, tmp_path, settings):
    settings.NEWSROOM_IMPORT_MAX_ARTICLES = 3
    many = write(tmp_path, "".join(f"# 第{n}篇\n\n正文。\n\n" for n in range(4)))
    assert "4 篇稿件,超过每期 3 篇的上限" in refused(many, "--date", "2022-12-21")


@pytest.mark.parametrize(
    "source, words",
    [
        ("# 短标题\n\n正文。\n\n# " + "长" * 201 + "\n\n正文。\n", ["第 2 篇", "标题", "201 字"]),
        ("栏目:" + "栏" * 101 + "\n\n# 标题\n\n正文。\n", ["第 1 篇《标题》", "栏目名", "101 字"]),
        ("# 标题\n\n**" + "电" * 101 + "讯(记者 李娜)** 正文。\n", ["第 1 篇《标题》", "电头"]),
        ("引题:" + "引" * 201 + "\n\n# 标题\n\n正文。\n", ["第 1 篇《标题》", "引题", "201 字"]),
    ],
)
def test_a_field_too_long_is_one_error_naming_the_article(imported, tmp_path, source, words):
    message = refused(write(tmp_path, source), "--date", "2022-12-21")
    for word in words:
        assert word in message
    assert not Issue.objects.filter(date="2022-12-21").exists()


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
def test_utf16_gets_the_right_iconv_hint(imported, tmp_path, encoding, name):
    path = write(tmp_path, SEED.read_text(encoding="utf-8"), encoding=encoding)
    message = refused(path, "--date", "2022-12-21")
    assert f"iconv -f {name} -t UTF-8" in message and "GBK" not in message


def test_gbk_gets_the_gbk_hint(imported, tmp_path):
    path = write(tmp_path, SEED.read_text(encoding="utf-8"), encoding="gbk")
    assert "iconv -f GB18030 -t UTF-8" in refused(path, "--date", "2022-12-21")


@pytest.mark.django_db
def test_utf8_with_a_byte_order_mark_is_imported(tmp_path):
    path = write(tmp_path, SEED.read_text(encoding="utf-8"), encoding="utf-8-sig")
    run_import(path, "--date", SEED_DATE)
    assert Article.objects.count() == 8
    assert not Article.objects.filter(headline__startswith="\ufeff").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["２０２２-１２-２０", "2022年12月20日", "2022/12/20", "20221220"]
)
def test_dates_as_people_type_them(typed):
    run_import(SEED, "--date", typed)
    assert Issue.objects.get().date == date(2022, 12, 20)


@pytest.mark.django_db
def test_full_width_issue_number():
    run_import(SEED, "--date", SEED_DATE, "--number", "１２３４")
    assert Issue.objects.get().number == 1234


PAGED = """\
第01版：要闻

引题:坚持人民至上

# 我市全力做好冬季保供

本报记者 李娜

入冬以来,全市煤炭储备充足.

第02版：经济

# 工业生产持续向好

**本报讯(记者 许媛媛)** 今年以来,工业生产稳定.
"""


@pytest.mark.django_db
def test_pages_kickers_and_punctuation_are_recorded(tmp_path):
    run_import(write(tmp_path, PAGED), "--date", SEED_DATE)
    supply, industry = Article.objects.order_by("position")
    assert (supply.page_number, supply.page_name, supply.kicker) == (1, "要闻", "坚持人民至上")
    assert (industry.page_number, industry.page_name) == (2, "经济")
    assert supply.body == [{"type": "paragraph", "text": "入冬以来，全市煤炭储备充足。"}]
    (note,) = Issue.objects.get().notes
    assert "已把 6 处" in note and "保留原标点" in note
    # Unchanged on a second run: the pages are part of what was imported.
    out, _ = run_import(write(tmp_path, PAGED), "--date", SEED_DATE)
    assert "未变 2" in out


@pytest.mark.django_db
def test_keep_punctuation_imports_the_source_as_typed(tmp_path):
    run_import(write(tmp_path, PAGED), "--date", SEED_DATE, "--keep-punctuation")
    supply = Article.objects.get(headline="我市全力做好冬季保供")
    assert supply.body == [{"type": "paragraph", "text": "入冬以来,全市煤炭储备充足."}]
    assert Issue.objects.get().notes == []


@pytest.mark.django_db
def test_articles_imported_with_ascii_punctuation_are_still_matched(tmp_path):
    """Imported before punctuation was normalised: the desk's decisions on them still hold."""
    run_import(SEED, "--date", SEED_DATE, "--keep-punctuation", "--publish")
    withdrawn = Article.objects.get(headline="孙忠国:奉献不言苦 在平凡中闪光")
    withdrawn.status = Article.Status.WITHDRAWN
    withdrawn.save()
    deleted = Article.objects.get(headline="迟红蕾:心系社区 为民代言")
    DeskRemoval.objects.create(issue=deleted.issue, headline=deleted.headline)
    deleted.delete()
    out, _ = run_import(SEED, "--date", SEED_DATE)
    assert Article.objects.count() == 7
    withdrawn.refresh_from_db()
    assert withdrawn.status == Article.Status.WITHDRAWN
    assert not Article.objects.filter(headline__startswith="迟红蕾").exists()
    assert "保留编辑决定 2" in out


@pytest.mark.django_db
def test_a_person_created_by_another_import_meanwhile_is_found_not_a_traceback(
    monkeypatch, tmp_path
):
    """The race: another import commits 李娜 between our look-up and our insert."""
    real_unique_slugs = importing.unique_slugs
    raced = []

    def another_import_wins(model, names, **kwargs):
        slugs = real_unique_slugs(model, names, **kwargs)
        if model is Person and "李娜" in slugs and not raced:
            raced.append(Person.objects.create(name="李娜", slug=slugs["李娜"]))
        return slugs

    monkeypatch.setattr(importing, "unique_slugs", another_import_wins)
    run_import(SEED, "--date", SEED_DATE)
    assert raced, "the race was not staged"
    (li_na,) = Person.objects.filter(name="李娜")
    assert li_na.credits.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_two_imports_at_once_creating_the_same_people_both_succeed(tmp_path):
    """Two real connections racing: the second waits on the first's new rows, then uses them."""
    other = write(tmp_path, SEED.read_text(encoding="utf-8"), name="other.txt")
    errors = []
    start = threading.Barrier(2)

    def run(path, day):
        try:
            start.wait()
            run_import(path, "--date", day)
        except Exception as error:  # the failure this test exists to catch
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(SEED, SEED_DATE)),
        threading.Thread(target=run, args=(other, "2022-12-21")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Issue.objects.count() == 2 and Article.objects.count() == 16
    assert Person.objects.filter(name="李娜").count() == 1
    assert Section.objects.filter(name="人大代表风采").count() == 1


@pytest.mark.django_db
def test_a_deleted_story_stays_deleted_when_the_source_retitles_it(tmp_path):
    run_import(SEED, "--date", SEED_DATE, "--publish")
    Article.objects.get(headline="我市工业生产持续向好").delete()
    retitled = SEED.read_text(encoding="utf-8").replace(
        "## 我市工业生产持续向好\n", "## 我市工业生产持续向好 增速加快\n"
    )
    out, _ = run_import(write(tmp_path, retitled), "--date", SEED_DATE, "--publish")
    assert not Article.objects.filter(headline__startswith="我市工业生产持续向好").exists()
    assert "新建 0" in out and "我市工业生产持续向好 增速加快(已删除)" in out


@pytest.mark.django_db
def test_a_new_story_in_a_deleted_ones_place_is_imported(tmp_path):
    run_import(SEED, "--date", SEED_DATE, "--publish")
    Article.objects.get(headline="我市工业生产持续向好").delete()
    text = SEED.read_text(encoding="utf-8")
    start = text.index("## 我市工业生产持续向好")
    end = text.index("## 我市投资延续高增态势")
    replaced = (
        text[:start]
        + "## 全市冬季供暖平稳运行\n\n本报记者 李娜\n\n入冬以来，全市供暖平稳。\n\n"
        + text[end:]
    )
    run_import(write(tmp_path, replaced), "--date", SEED_DATE, "--publish")
    assert Article.objects.filter(headline="全市冬季供暖平稳运行").exists()


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是文本文件"),
        (b"%PDF-1.7\n" + b"\x00" * 64, "不是文本文件"),
    ],
)
def test_images_and_pdfs_are_named_as_such(imported, tmp_path, data, words):
    path = tmp_path / "scan.png"
    path.write_bytes(data)
    message = refused(path, "--date", "2022-12-21")
    assert words in message and "GBK" not in message


@pytest.mark.parametrize("typed", ["202212", "2022123", "2022-12/20"])
def test_dates_that_could_be_misread_are_refused(imported, typed):
    assert "日期格式不对" in refused(SEED, "--date", typed)


def test_an_issue_number_too_large_says_so(imported):
    assert "期号太大" in refused(SEED, "--date", "2022-12-21", "--number", "9999999999")


SHIFTING = """\
# 甲新闻标题

**本报讯(记者 马丽)** 甲的正文,讲的是甲的事。

# 乙新闻标题

**本报讯(记者 马丽)** 乙的正文,讲的是乙的事。

# 丁新闻标题

**本报讯(记者 马丽)** 丁的正文,讲的是丁的事。
"""


@pytest.mark.django_db
def test_a_story_added_above_shifts_nothing_the_desk_decided(tmp_path, editor):
    run_import(write(tmp_path, SHIFTING), "--date", SEED_DATE, "--publish")
    a = Article.objects.get(headline="甲新闻标题")
    workflow.withdraw(a, editor[0], "事实有误")
    b = Article.objects.get(headline="乙新闻标题")
    b.status = Article.Status.DRAFT
    workflow.save_edit(b, editor[0])  # sent back to draft
    Article.objects.get(headline="丁新闻标题").delete()
    shifted = "# 新增的丙新闻\n\n**本报讯(记者 马丽)** 丙的正文。\n\n" + SHIFTING.replace(
        "# 甲新闻标题", "# 甲新闻标题改了"
    ).replace("# 乙新闻标题", "# 乙新闻标题改了").replace("# 丁新闻标题", "# 丁新闻标题改了")
    out, _ = run_import(
        write(tmp_path, shifted, name="shifted.txt"), "--date", SEED_DATE, "--publish"
    )
    public = set(Article.objects.published().values_list("headline", flat=True))
    assert public == {"新增的丙新闻"}
    assert Article.objects.get(pk=a.pk).status == Article.Status.WITHDRAWN
    assert Article.objects.get(pk=b.pk).status == Article.Status.DRAFT
    assert Article.objects.count() == 3  # 甲 (withdrawn), 乙 (draft), 丙 (new); 丁 stays deleted
    assert "新建 1" in out
