"""Sources written in other papers' styles: each pattern in a small crafted file.

The parser is plain Python, so these need no database; the importer's side
of the same patterns (版 recorded on articles, limits) is in test_import_limits.py.
"""

import pytest

from articles.models import Role
from articles.parsing import (
    HEADLINE,
    NOTE,
    PARAGRAPH,
    ROLE_WORDS,
    SECTION,
    SUBHEAD,
    normalize_punctuation,
    parse_credits,
    parse_issue,
    parse_page_marker,
)


def credits_of(item):
    return [(c.name, c.role, c.staff) for c in item.credits]


def paragraphs(article):
    return [b.text for b in article.body if b.type == "paragraph"]


BYLINELESS = """\
# 全市冬季供暖平稳运行

**本报讯(记者 李娜)** 入冬以来,全市供暖运行平稳。

热力公司开通服务热线,及时处理群众诉求。

## 我市发布寒潮蓝色预警

记者从市气象局获悉,受冷空气影响,未来三天全市将有大风降温天气。

请市民注意防寒保暖。

## 通知

市图书馆12月25日闭馆一天,进行设备检修。

## 科尔沁区新建口袋公园12个

**本报讯(记者 王强)** 今年,科尔沁区新建口袋公园12个。
"""


def test_a_story_without_byline_after_a_finished_story_is_its_own_article():
    issue = parse_issue(BYLINELESS)
    assert [a.headline for a in issue.articles] == [
        "全市冬季供暖平稳运行",
        "我市发布寒潮蓝色预警",
        "通知",
        "科尔沁区新建口袋公园12个",
    ]
    heating, warning, notice, parks = issue.articles
    # Nothing of the notice leaks into the story before it, and no column is invented.
    assert paragraphs(heating) == [
        "入冬以来，全市供暖运行平稳。",
        "热力公司开通服务热线，及时处理群众诉求。",
    ]
    assert heating.section is None
    assert warning.credits == [] and warning.dateline is None
    assert paragraphs(warning)[0].startswith("记者从市气象局获悉，")
    assert paragraphs(notice) == ["市图书馆12月25日闭馆一天，进行设备检修。"]
    assert credits_of(parks) == [("王强", "记者", False)]


def test_a_short_heading_read_as_a_story_is_marked_for_the_editor():
    issue = parse_issue(BYLINELESS)
    unsure = {d.text: d for d in issue.decisions if d.unsure}
    # 通知 could be a column banner: the review page asks.
    assert unsure["通知"].kind == HEADLINE
    assert "全市冬季供暖平稳运行" not in unsure and "科尔沁区新建口袋公园12个" not in unsure


def test_a_heading_between_the_byline_and_the_body_is_the_column():
    text = "# 老旧小区换新颜\n\n本报记者 李娜\n\n## 民生关注\n\n今年,我市改造老旧小区86个。\n"
    (article,) = parse_issue(text).articles
    assert article.section == "民生关注"
    assert credits_of(article) == [("李娜", "记者", True)]
    assert paragraphs(article) == ["今年，我市改造老旧小区86个。"]


def test_a_column_banner_above_the_headline_and_a_heading_after_the_byline():
    text = "## 乡村振兴\n\n# 稻田里的丰收\n\n本报记者 李娜\n\n## 田间地头\n\n正文第一段。\n"
    (article,) = parse_issue(text).articles
    assert article.section == "乡村振兴"
    assert article.notes == ["田间地头"]
    assert paragraphs(article) == ["正文第一段。"]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("在新征程上,我市稳步推进", "在新征程上，我市稳步推进"),
        ("同比增长4.3%,较上月加快", "同比增长4.3%，较上月加快"),
        ("确定重点村;成立工作组", "确定重点村；成立工作组"),
        ("主要任务:一是稳就业", "主要任务：一是稳就业"),
        ("你参加了吗?我们去了!", "你参加了吗？我们去了！"),
        ("会议结束.下午继续", "会议结束。下午继续"),
        ("活动取得圆满成功.", "活动取得圆满成功。"),
        ("《方案(2021-2025年)》印发", "《方案（2021-2025年）》印发"),
        ("地区生产总值(GDP)增长", "地区生产总值（GDP）增长"),
        ("全市共有1,234户", "全市共有1,234户"),
        ("增长2.0倍,达到3.5万", "增长2.0倍，达到3.5万"),
        ("上午10:30开幕", "上午10:30开幕"),
        ("详见 https://www.example.com/a.html", "详见 https://www.example.com/a.html"),
        ("等等...", "等等..."),
        ("已是全角，不变。", "已是全角，不变。"),
        ("Hello, world (test).", "Hello, world (test)."),
    ],
)
def test_ascii_punctuation_among_chinese_is_set_full_width(source, expected):
    assert normalize_punctuation(source)[0] == expected


def test_punctuation_changes_are_counted_and_can_be_kept():
    text = "# 标题:副\n\n**本报讯(记者 李娜)** 今天,全市开展活动;效果良好.\n"
    normalized = parse_issue(text)
    assert normalized.articles[0].headline == "标题：副"
    assert paragraphs(normalized.articles[0]) == ["今天，全市开展活动；效果良好。"]
    assert normalized.punctuation_changes == 5  # : ( ) counted as one pair , ; .
    kept = parse_issue(text, keep_punctuation=True)
    assert kept.articles[0].headline == "标题:副"
    assert paragraphs(kept.articles[0]) == ["今天,全市开展活动;效果良好."]
    assert kept.punctuation_changes == 0
    # Either way the byline is read.
    assert credits_of(kept.articles[0]) == credits_of(normalized.articles[0])


@pytest.mark.parametrize(
    "line, page",
    [
        ("第01版：要闻", (1, "要闻")),
        ("第01版:要闻", (1, "要闻")),
        ("第 3 版 经济", (3, "经济")),
        ("A3版", (3, "A3")),
        ("B2版：经济", (2, "B2 经济")),
        ("第03版（要闻）", (3, "要闻")),
        ("【第二版·乡村振兴】", (2, "乡村振兴")),
        ("第十二版 文化", (12, "文化")),
        ("第０５版：体育", (5, "体育")),
    ],
)
def test_page_markers(line, page):
    assert parse_page_marker(line) == page


@pytest.mark.parametrize(
    "line", ["第3版要闻导读介绍了本期的八篇重点报道内容以及其他", "出版", "本报第3版刊发"]
)
def test_lines_that_are_not_page_markers(line):
    assert parse_page_marker(line) is None


def test_page_markers_put_the_articles_on_their_pages():
    text = (
        "第01版：要闻\n\n# 甲\n\n本报记者 李娜\n\n正文。\n\n# 乙\n\n正文。\n\n"
        "## 第02版 经济\n\n# 丙\n\n正文。\n"
    )
    issue = parse_issue(text)
    assert [(a.headline, a.page_number, a.page_name) for a in issue.articles] == [
        ("甲", 1, "要闻"),
        ("乙", 1, "要闻"),
        ("丙", 2, "经济"),
    ]
    assert issue.notes == []


def test_kickers_marked_by_label_or_above_the_headline():
    text = (
        "引题：坚持人民至上 守护万家灯火\n\n# 我市全力做好冬季保供\n\n副题：煤炭储备达到30天用量\n\n"
        "本报记者 李娜\n\n正文。\n\n"
        "### 从“有没有”到“好不好”\n\n# 农村公路通到家门口\n\n正文。\n\n"
        "## 一座城市的温度, 一群人的坚守\n\n# 环卫工人的一天\n\n正文。\n"
    )
    issue = parse_issue(text)
    assert [(a.kicker, a.headline, a.subheadline) for a in issue.articles] == [
        ("坚持人民至上 守护万家灯火", "我市全力做好冬季保供", "煤炭储备达到30天用量"),
        ("从“有没有”到“好不好”", "农村公路通到家门口", None),
        ("一座城市的温度，一群人的坚守", "环卫工人的一天", None),
    ]


def test_labelled_headline_and_column_lines():
    text = "栏目：法治在线\n\n主题：我市开展普法宣传\n\n记者 王强\n\n正文。\n"
    (article,) = parse_issue(text).articles
    assert (article.section, article.headline) == ("法治在线", "我市开展普法宣传")
    assert credits_of(article) == [("王强", "记者", False)]


@pytest.mark.parametrize(
    "lead, dateline, credits, rest",
    [
        (
            "新华社北京12月19日电(记者 张三 李四)国务院常务会议19日召开。",
            "新华社北京12月19日电",
            [("张三", "记者", False), ("李四", "记者", False)],
            "国务院常务会议19日召开。",
        ),
        (
            "本报讯（通讯员 赵一）日前,库伦旗举办培训。",
            "本报讯",
            [("赵一", "通讯员", False)],
            "日前，库伦旗举办培训。",
        ),
    ],
)
def test_unbolded_dateline_with_bracketed_credits(lead, dateline, credits, rest):
    (article,) = parse_issue(f"# 标题\n\n{lead}\n").articles
    assert article.dateline == dateline
    assert credits_of(article) == credits
    assert paragraphs(article) == [rest]


@pytest.mark.parametrize(
    "line, credits",
    [
        ("□本报记者 李娜", [("李娜", "记者", True)]),
        ("■ 本报记者 李娜 通讯员 王强 报道", [("李娜", "记者", True), ("王强", "通讯员", False)]),
        ("文/图 王强", [("王强", "作者", False)]),
        ("文/李娜 图/王强", [("李娜", "作者", False), ("王强", "摄影记者", False)]),
        ("撰文 李娜 摄影 王强", [("李娜", "作者", False), ("王强", "摄影记者", False)]),
    ],
)
def test_other_papers_byline_lines(line, credits):
    (article,) = parse_issue(f"# 标题\n\n{line}\n\n正文。\n").articles
    assert credits_of(article) == credits
    assert paragraphs(article) == ["正文。"]


def test_byline_at_the_end_and_page_staff_lines_stay_out_of_the_body():
    text = "# 标题\n\n正文第一段。\n\n正文第二段。\n\n(本报记者 李娜)\n\n责任编辑：王强\n"
    (article,) = parse_issue(text).articles
    assert credits_of(article) == [("李娜", "记者", True)]
    assert paragraphs(article) == ["正文第一段。", "正文第二段。"]
    assert article.notes == ["责任编辑：王强"]


def test_the_editor_splits_a_story_the_parser_merged():
    # A heading in the middle of a finished story, followed by a subhead: the parser reads a column.
    text = "# 甲\n\n正文。\n\n## 乙稿的标题\n\n### 小标题\n\n乙的正文。\n"
    issue = parse_issue(text)
    assert [a.headline for a in issue.articles] == ["甲"]
    (decision,) = [d for d in issue.decisions if d.text == "乙稿的标题"]
    assert decision.kind == SECTION and decision.unsure
    split = parse_issue(text, decisions={decision.line: HEADLINE})
    assert [a.headline for a in split.articles] == ["甲", "乙稿的标题"]
    assert paragraphs(split.articles[1]) == ["乙的正文。"]
    assert [d.forced for d in split.decisions if d.line == decision.line] == [True]


def test_the_editor_merges_two_articles_and_overrules_a_byline():
    text = "# 甲\n\n正文一。\n\n# 乙\n\n王强\n\n正文二。\n"
    issue = parse_issue(text)
    line_of = {d.text: d.line for d in issue.decisions}
    merged = parse_issue(text, decisions={line_of["乙"]: SUBHEAD, line_of["王强"]: PARAGRAPH})
    (article,) = merged.articles
    assert [(b.type, b.text) for b in article.body] == [
        ("paragraph", "正文一。"),
        ("subhead", "乙"),
        ("paragraph", "王强"),
        ("paragraph", "正文二。"),
    ]
    noted = parse_issue(text, decisions={line_of["乙"]: NOTE})
    assert noted.articles[0].notes == ["乙"]


def test_the_name_only_byline_is_a_guess_the_review_page_shows():
    issue = parse_issue("# 标题\n\n狄雅莉\n\n正文。\n")
    (byline,) = [d for d in issue.decisions if d.text == "狄雅莉"]
    assert byline.unsure and byline.kind == "byline"


def test_byline_roles_come_from_one_list():
    assert set(ROLE_WORDS) == set(Role.values)
    for word in Role.values:
        credits = parse_credits(f"{word} 李娜")
        assert [(c.name, c.role) for c in credits] == [("李娜", word)]


def test_bracketed_column_lines_and_marked_captions_with_a_credit_line():
    text = (
        "# 甲\n\n正文。\n\n【民生关注】\n\n## 老旧小区换新颜\n\n今年改造86个小区。\n\n"
        "▲ 改造后的小区焕然一新。\n\n本报记者 李娜 摄\n\n"
        "上图:居民在新建的口袋公园休闲。 通讯员 王强 摄\n"
    )
    first, second = parse_issue(text).articles
    assert first.section is None and paragraphs(first) == ["正文。"]
    assert (second.headline, second.section) == ("老旧小区换新颜", "民生关注")
    assert [(p.caption, credits_of(p)) for p in second.photos] == [
        ("▲ 改造后的小区焕然一新。", [("李娜", "记者", True)]),
        ("上图：居民在新建的口袋公园休闲。", [("王强", "通讯员", False)]),
    ]
    assert paragraphs(second) == ["今年改造86个小区。"] and second.notes == []


def test_photo_report_byline_tail():
    (article,) = parse_issue("# 标题\n\n本报记者 李娜 摄影报道\n\n正文。\n").articles
    assert credits_of(article) == [("李娜", "记者", True)]


def test_a_line_read_as_a_page_marker_can_be_overruled():
    text = "# 甲\n\n正文。\n\n## 第3版 要闻\n\n正文二。\n"
    issue = parse_issue(text)
    (marker,) = [d for d in issue.decisions if d.kind == "page"]
    assert issue.articles[0].page_number is None and paragraphs(issue.articles[0]) == [
        "正文。",
        "正文二。",
    ]
    as_headline = parse_issue(text, decisions={marker.line: HEADLINE})
    assert [a.headline for a in as_headline.articles] == ["甲", "第3版 要闻"]


@pytest.mark.parametrize(
    "byline, credits",
    [
        ("**本报讯(全媒体记者 李娜)**", [("李娜", "记者", False)]),
        ("本报全媒体记者 许媛媛", [("许媛媛", "记者", True)]),
        (
            "本报融媒体记者 许媛媛 见习记者 王强",
            [("许媛媛", "记者", True), ("王强", "记者", False)],
        ),
        ("人民日报记者 王五", [("王五", "记者", False)]),
        (
            "新华社呼和浩特12月19日电 记者 张三 李四",
            [("张三", "记者", False), ("李四", "记者", False)],
        ),
        ("**记者 李娜**", [("李娜", "记者", False)]),
    ],
)
def test_modern_byline_roles_and_organisations(byline, credits):
    (article,) = parse_issue(f"# 标题\n\n{byline}\n\n正文。\n").articles
    assert credits_of(article) == credits
    assert paragraphs(article) == ["正文。"]


def test_where_a_story_came_from_is_a_note_not_a_byline():
    text = "# 标题\n\n正文。\n\n(据新华社)\n\n# 乙\n\n正文。\n\n（来源：通辽发布）\n"
    first, second = parse_issue(text).articles
    assert first.credits == [] and first.notes == ["（据新华社）"]
    assert second.credits == [] and second.notes == ["（来源：通辽发布）"]


def test_a_story_opening_after_an_unfinished_line_is_a_new_story():
    text = (
        "# 甲\n\n**本报讯(记者 李娜)** 活动详情请咨询。\n\n咨询电话：0475-8888888\n\n"
        "## 科区新增便民服务点\n\n记者从科尔沁区获悉，新增便民服务点12个。\n"
    )
    first, second = parse_issue(text).articles
    assert paragraphs(first)[-1] == "咨询电话：0475-8888888"
    assert second.headline == "科区新增便民服务点"
    assert paragraphs(second) == ["记者从科尔沁区获悉，新增便民服务点12个。"]


def test_a_long_heading_after_the_byline_is_not_a_column():
    text = "# 标题\n\n本报记者 李娜\n\n## 城区新增停车位2000个 缓解停车难\n\n正文。\n"
    (article,) = parse_issue(text).articles
    assert article.section is None
    assert article.subheadline == "城区新增停车位2000个 缓解停车难"
    (decision,) = [d for d in parse_issue(text).decisions if d.text.startswith("城区")]
    assert decision.unsure


def test_bracketed_lines_inside_a_story_stay_in_it():
    text = "# 标题\n\n正文一。\n\n【相关链接】\n\n正文二。\n"
    (article,) = parse_issue(text).articles
    assert article.section is None
    assert paragraphs(article) == ["正文一。", "【相关链接】", "正文二。"]


@pytest.mark.parametrize(
    "lead, dateline, credits, rest",
    [
        (
            "本报讯 记者 王芳 近日，县人民医院开设夜间门诊。",
            "本报讯",
            [("王芳", "记者", False)],
            "近日，县人民医院开设夜间门诊。",
        ),
        ("本报讯 12月18日，县委召开常委会议。", "本报讯", [], "12月18日，县委召开常委会议。"),
        (
            "新华社北京12月19日电 国务院总理主持召开会议。",
            "新华社北京12月19日电",
            [],
            "国务院总理主持召开会议。",
        ),
        (
            "本报通辽12月19日讯 记者 李娜 通讯员 王强 全市供暖平稳。",
            "本报通辽12月19日讯",
            [("李娜", "记者", False), ("王强", "通讯员", False)],
            "全市供暖平稳。",
        ),
    ],
)
def test_unbracketed_datelines_with_and_without_credits(lead, dateline, credits, rest):
    (article,) = parse_issue(f"# 标题\n\n{lead}\n").articles
    assert (article.dateline, credits_of(article), paragraphs(article)) == (
        dateline,
        credits,
        [rest],
    )


def test_words_like_a_dateline_inside_text_are_text():
    (article,) = parse_issue("# 标题\n\n喜讯 我市再获殊荣。\n").articles
    assert article.dateline is None and paragraphs(article) == ["喜讯 我市再获殊荣。"]


def test_a_column_label_before_the_next_storys_headline_label_belongs_to_it():
    text = (
        "主标题：环卫工人有了“爱心驿站”\n\n副标题：全市建成驿站86个\n\n环卫工人可在驿站休息。\n\n"
        "栏目：科尔沁大地\n\n主题：草原上的“铁骑兵”\n\n正文。\n"
    )
    first, second = parse_issue(text).articles
    assert first.section is None
    assert (second.headline, second.section) == ("草原上的“铁骑兵”", "科尔沁大地")


def test_a_caption_credited_with_sheying():
    (article,) = parse_issue("# 标题\n\n正文。\n\n图为会场。本报实习生 张三 摄影\n").articles
    assert [(p.caption, credits_of(p)) for p in article.photos] == [
        ("图为会场。", [("张三", "实习生", True)])
    ]
