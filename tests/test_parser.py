"""The print-issue parser, on the seed and on the conventions other papers' files use."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.parsing import parse_caption, parse_credits, parse_issue

EXPECTED_SEED = [
    # headline, section, dateline, credits as (name, role, staff)
    ("我市多措并举深入开展乡村振兴工作", "乡村振兴进行时", "本报讯", [("李娜", "记者", False)]),
    ("我市工业生产持续向好", None, "本报讯", [("许媛媛", "记者", False)]),
    ("我市投资延续高增态势", None, "本报讯", [("许媛媛", "记者", False)]),
    ("我市新建5G基站1207个", None, "本报讯", [("邵南", "记者", False)]),
    (
        "霍林郭勒市委党校：聚焦主责主业",
        "学习宣传贯彻党的二十大精神",
        None,
        [("狄雅莉", "作者", False)],
    ),
    (
        "开鲁县人社局优化营商环境 提升服务效能",
        "优化营商环境进行时",
        "本报讯",
        [
            ("胡建华", "特约通讯员", False),
            ("杨景欣", "通讯员", False),
            ("郭大雷", "通讯员", False),
            ("田秀敏", "通讯员", False),
        ],
    ),
    (
        "孙忠国：奉献不言苦 在平凡中闪光",
        None,
        None,
        [("邵南", "记者", True), ("张弘强", "通讯员", False)],
    ),
    ("迟红蕾：心系社区 为民代言", "人大代表风采", None, [("李娜", "记者", True)]),
]


@pytest.fixture
def seed(seed_text):
    return parse_issue(seed_text)


@pytest.fixture
def seed_as_typed(seed_text):
    """The seed with its punctuation kept as the source typed it, to compare with the source."""
    return parse_issue(seed_text, keep_punctuation=True)


def credits_of(item):
    return [(c.name, c.role, c.staff) for c in item.credits]


def subheads(article):
    return [b.text for b in article.body if b.type == "subhead"]


def paragraphs(article):
    return [b.text for b in article.body if b.type == "paragraph"]


def test_seed_has_eight_articles_in_source_order_with_columns_datelines_and_credits(seed):
    got = [(a.headline, a.section, a.dateline, credits_of(a)) for a in seed.articles]
    assert got == EXPECTED_SEED
    assert seed.notes == []


def test_seed_has_nine_distinct_people(seed):
    names = {c.name for a in seed.articles for c in a.credits}
    names |= {c.name for a in seed.articles for p in a.photos for c in p.credits}
    assert len(names) == 9


def test_seed_kickers_and_subheadlines_are_absent(seed):
    assert all(a.kicker is None and a.subheadline is None for a in seed.articles)


def test_seed_subheads(seed):
    assert subheads(seed.articles[4]) == [
        "坚持学习先行 准确把握精神实质",
        "服务中心大局 充分发挥党校优势",
        "聚焦主责主业 高效开展教学宣讲",
    ]
    assert len(subheads(seed.articles[6])) == 4
    assert len(subheads(seed.articles[7])) == 3
    assert all(not subheads(a) for a in seed.articles[:4])


def test_stray_heading_inside_a_split_paragraph_becomes_a_note(seed):
    article = seed.articles[4]
    assert article.notes == ["传播党的声音"]
    joined = [p for p in paragraphs(article) if "深入开展理论研究，积极做好宣讲宣传" in p]
    assert len(joined) == 1
    assert joined[0].endswith("扎实完成学习宣传贯彻党的二十大精神培训任务。")
    assert all("传播党的声音" not in b.text for b in article.body)


def test_split_paragraphs_are_rejoined_exactly(seed_as_typed, seed_text):
    seed = seed_as_typed
    kailu, sun = seed.articles[5], seed.articles[6]
    assert any("送政策上门、送服务到家;同时" in p for p in paragraphs(kailu))
    assert any(
        "开鲁县人社局将28项《最新就业创业政策和服务事项清单》" in p for p in paragraphs(kailu)
    )
    assert any("同事穿大街、走小巷核实现场" in p for p in paragraphs(sun))
    assert any("孙忠国笑着说:“大爷,这是我们应该做的" in p for p in paragraphs(sun))
    # No character added or lost: with the stray heading lifted out, each paragraph is in the source.
    source_chars = "".join(seed_text.replace("## 传播党的声音", "").split())
    for article in seed.articles:
        for text in paragraphs(article):
            assert "".join(text.split()) in source_chars


def test_every_source_character_of_the_seed_is_accounted_for(seed_as_typed, seed_text):
    """Headlines, columns, bylines, body, captions and notes cover the whole source."""
    seed = seed_as_typed
    kept = []
    for a in seed.articles:
        kept += [a.headline, a.section or "", a.dateline or ""]
        kept += [c.name for c in a.credits]
        kept += [b.text for b in a.body] + a.notes
        kept += [p.caption for p in a.photos] + [c.name for p in a.photos for c in p.credits]
    kept_chars = sorted("".join("".join(kept).split()))
    markup = set("#*()本报讯记者通讯员特约作摄。 ")
    source_chars = sorted(ch for ch in "".join(seed_text.split()))
    missing = list(source_chars)
    for ch in kept_chars:
        missing.remove(ch)
    assert set(missing) <= markup


def test_seed_photo_caption_and_credit(seed):
    kailu = seed.articles[5]
    assert len(kailu.photos) == 1
    photo = kailu.photos[0]
    assert photo.caption == "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。"
    assert credits_of(photo) == [("胡建华", "特约通讯员", True)]
    assert all("图为" not in b.text for b in kailu.body)
    assert sum(len(a.photos) for a in seed.articles) == 1


@pytest.mark.parametrize(
    "byline",
    [
        "**本报讯(记者 王小明 通讯员 赵一 钱二)** 近日,全市开展活动。",
        "**本报讯（记者　王小明　通讯员　赵一、钱二）**近日,全市开展活动。",
        "**本报讯**(记者 王小明 通讯员 赵一,钱二) 近日,全市开展活动。",
    ],
)
def test_bold_byline_with_half_and_full_width_punctuation(byline):
    issue = parse_issue(f"# 标题\n\n{byline}\n")
    (article,) = issue.articles
    assert article.dateline == "本报讯"
    assert credits_of(article) == [
        ("王小明", "记者", False),
        ("赵一", "通讯员", False),
        ("钱二", "通讯员", False),
    ]
    assert paragraphs(article) == ["近日，全市开展活动。"]


@pytest.mark.parametrize(
    "byline",
    ["本报记者 王小明 通讯员 赵一", "本报记者　王小明　通讯员　赵一", "本报记者王小明 通讯员赵一"],
)
def test_plain_byline_line_with_half_and_full_width_spaces(byline):
    issue = parse_issue(f"## 人物:一位好干部\n\n{byline}\n\n他是一名普通干部。\n")
    (article,) = issue.articles
    assert article.dateline is None
    assert credits_of(article) == [("王小明", "记者", True), ("赵一", "通讯员", False)]


def test_staff_flag_follows_the_roles_own_prefix():
    issue = parse_issue("# 标题\n\n**新华社北京12月20日电(记者 张三)** 正文。\n")
    assert issue.articles[0].dateline == "新华社北京12月20日电"
    assert credits_of(issue.articles[0]) == [("张三", "记者", False)]
    issue = parse_issue("# 标题\n\n**本报讯(本报记者 张三 通讯员 李四)** 正文。\n")
    assert credits_of(issue.articles[0]) == [("张三", "记者", True), ("李四", "通讯员", False)]


def test_name_only_byline_is_the_author():
    issue = parse_issue("## 读书有感\n\n狄雅莉\n\n读书使人明理。\n")
    assert credits_of(issue.articles[0]) == [("狄雅莉", "作者", False)]


def test_article_without_byline():
    issue = parse_issue(
        "# 我市召开会议\n\n会议强调,要抓好落实。\n\n# 第二篇\n\n**本报讯(记者 李四)** 正文。\n"
    )
    first, second = issue.articles
    assert first.credits == [] and first.dateline is None
    assert paragraphs(first) == ["会议强调，要抓好落实。"]
    assert credits_of(second) == [("李四", "记者", False)]


def test_several_photos_in_one_article_full_and_half_width():
    text = (
        "# 冬季运动会开幕\n\n**本报讯(记者 李娜)** 运动会开幕。\n\n"
        "图为开幕式现场。本报记者 李娜 摄。\n\n"
        "图为运动员入场。 本报摄影记者 王强 摄\n\n"
        "图为颁奖仪式.通讯员 赵一、钱二 摄\n"
    )
    (article,) = parse_issue(text).articles
    assert [p.caption for p in article.photos] == [
        "图为开幕式现场。",
        "图为运动员入场。",
        "图为颁奖仪式。",
    ]
    assert [credits_of(p) for p in article.photos] == [
        [("李娜", "记者", True)],
        [("王强", "摄影记者", True)],
        [("赵一", "通讯员", False), ("钱二", "通讯员", False)],
    ]
    assert paragraphs(article) == ["运动会开幕。"]


def test_caption_without_credit_is_kept_with_a_note():
    (article,) = parse_issue("# 标题\n\n正文。\n\n图为会议现场。\n").articles
    assert article.photos[0].caption == "图为会议现场。"
    assert article.photos[0].credits == []
    assert len(article.notes) == 1


def test_split_paragraph_across_a_stray_heading():
    text = (
        "# 标题\n\n## 栏目甲\n\n**本报讯(记者 李娜)** 第一段。\n\n"
        "第二段的前半句,还没有说完\n\n## 夹在中间的标题\n\n的后半句。\n\n### 小标题\n\n结尾。\n"
    )
    (article,) = parse_issue(text).articles
    assert article.section == "栏目甲"
    assert paragraphs(article) == ["第一段。", "第二段的前半句，还没有说完的后半句。", "结尾。"]
    assert article.notes == ["夹在中间的标题"]
    assert subheads(article) == ["小标题"]


def test_column_banner_before_a_double_hash_headline():
    text = "## 人大代表风采\n\n## 迟红蕾:心系社区 为民代言\n\n本报记者 李娜\n\n正文。\n"
    (article,) = parse_issue(text).articles
    assert (article.headline, article.section) == ("迟红蕾：心系社区 为民代言", "人大代表风采")


def test_known_section_names_guide_the_parser():
    text = "# 甲\n\n正文。\n\n## 老栏目\n\n## 乙文章标题\n\n本报记者 李娜\n\n正文。\n"
    issue = parse_issue(text, known_sections=["老栏目"])
    assert [(a.headline, a.section) for a in issue.articles] == [
        ("甲", None),
        ("乙文章标题", "老栏目"),
    ]


def test_subheadline_after_the_headline():
    text = "# 奉献在基层\n\n### ——记优秀党员王某\n\n本报记者 李娜\n\n正文。\n"
    (article,) = parse_issue(text).articles
    assert article.subheadline == "——记优秀党员王某"
    assert subheads(article) == []


def test_text_before_the_first_headline_is_an_issue_note():
    issue = parse_issue("本期导读:八个版面\n\n# 标题\n\n正文。\n")
    assert issue.notes == ["本期导读：八个版面"]


def test_windows_line_endings_and_bom():
    issue = parse_issue("\ufeff# 标题\r\n\r\n**本报讯(记者 李娜)** 正文。\r\n")
    assert issue.articles[0].headline == "标题"
    assert paragraphs(issue.articles[0]) == ["正文。"]


def test_file_without_headline_has_no_articles():
    assert parse_issue("只有正文,没有标题。\n").articles == []


def test_credits_reject_sentences():
    assert parse_credits("今年以来全市经济保持平稳") is None
    assert parse_credits("记者") is None
    assert parse_caption("图为会议现场") is not None
    assert parse_caption("会议现场") is None


SOURCE_PIECES = st.sampled_from(
    [
        "#",
        "##",
        "###",
        " ",
        "\u3000",
        "\n",
        "\n\n",
        "**",
        "(",
        ")",
        "(",
        ")",
        "本报讯",
        "本报",
        "记者",
        "通讯员",
        "特约通讯员",
        "作者",
        "摄",
        "图为",
        "。",
        ",",
        ":",
        "李娜",
        "狄雅莉",
        "乡村振兴进行时",
        "我市新建5G基站",
        "·",
        "\r\n",
        "\ufeff",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(SOURCE_PIECES, st.text(max_size=8)), max_size=60))
def test_parser_never_raises_on_arbitrary_source_like_text(pieces):
    issue = parse_issue("".join(pieces))
    for article in issue.articles:
        assert article.headline
        article.to_dict()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_parser_never_raises_on_mutated_seed(seed_text_static, data):
    lines = seed_text_static.split("\n")
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "truncate", "insert", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "truncate":
            lines[index] = lines[index][: data.draw(st.integers(min_value=0, max_value=20))]
        elif action == "insert":
            lines.insert(index, data.draw(st.text(max_size=30)))
        else:
            other = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        if not lines:
            break
    issue = parse_issue("\n".join(lines))
    for article in issue.articles:
        assert article.headline
        for block in article.body:
            assert block.type in {"paragraph", "subhead"} and block.text


@pytest.fixture(scope="module")
def seed_text_static():
    from tests.conftest import SEED

    return SEED.read_text(encoding="utf-8")
