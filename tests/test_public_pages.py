"""The readers' site: what each page shows, what it never shows, and what it costs."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles import workflow
from articles.models import Article, Correction, Credit, Photo, PhotoCredit
from articles.views import HOME_ISSUE_ARTICLES
from people.models import Person
from tests.factories import (
    make_article,
    make_issue,
    make_many_articles,
    make_person,
    make_section,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def article(headline_start):
    return Article.objects.get(headline__startswith=headline_start)


# What each page shows --------------------------------------------------------


def test_front_page_leads_with_the_latest_issue_grouped_by_column(client, seed_issue):
    html = html_of(client, "/")
    assert "通辽日报 2022年12月20日" in re.sub(r"<[^>]+>", "", html)
    assert '<span class="nowrap">2022年12月20日</span>' in html  # never broken inside the date
    lead = re.search(r'<article class="lead-story">(.*?)</article>', html, re.S).group(1)
    assert "我市多措并举深入开展乡村振兴工作" in lead and "李娜" in lead
    for column in ["学习宣传贯彻党的二十大精神", "优化营商环境进行时", "人大代表风采"]:
        assert f">{column}</a></h3>" in html
    for headline in ["我市工业生产持续向好", "孙忠国：奉献不言苦 在平凡中闪光"]:
        assert headline in html
    # Every column is linked from the masthead.
    assert html.count('href="/sections/') >= 4


def test_front_page_shows_a_bounded_number_of_a_big_issues_stories(client):
    issue = make_issue()
    for position in range(HOME_ISSUE_ARTICLES + 15):
        make_article(issue=issue, position=position, headline=f"大期稿件{position:03d}")
    html = html_of(client, "/")
    assert html.count("大期稿件") == HOME_ISSUE_ARTICLES
    assert f"大期稿件{HOME_ISSUE_ARTICLES - 1:03d}" in html
    assert f"大期稿件{HOME_ISSUE_ARTICLES:03d}" not in html
    assert f'<a href="{issue.get_absolute_url()}">本期更多稿件</a>' in html


def test_article_page_shows_everything_about_the_story(client, seed_issue):
    kailu = article("开鲁县")
    kailu.tags.add("营商环境")
    html = html_of(client, kailu.get_absolute_url())
    assert "<h1>开鲁县人社局优化营商环境 提升服务效能</h1>" in html
    assert 'href="/sections/you-hua-ying-shang-huan-jing-jin-xing-shi/"' in html
    byline = re.search(r'<p class="byline">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", byline).split() == [
        "特约通讯员",
        "胡建华",
        "通讯员",
        "杨景欣",
        "郭大雷",
        "田秀敏",
    ]
    assert 'href="/people/hu-jian-hua/"' in byline
    assert '<strong class="dateline">本报讯</strong>' in html
    assert '<time datetime="2022-12-20T00:00:00+08:00">2022年12月20日</time>' in html
    figure = re.search(r"<figure.*?</figure>", html, re.S).group(0)
    assert "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。" in figure
    assert re.sub(r"<[^>]+>", "", figure).split()[-3:] == ["本报特约通讯员", "胡建华", "摄"]
    assert "<img" not in figure  # imported photos have no file: caption alone
    assert 'rel="tag">营商环境</a>' in html
    assert "上一篇" in html and "下一篇" in html


def test_article_subheads_and_joined_paragraphs(client, seed_issue):
    html = html_of(client, article("孙忠国").get_absolute_url())
    assert "<h2>“啥都会”的孙大哥</h2>" in html
    assert "同事穿大街、走小巷核实现场" in html
    assert "<p>" in html and "本报记者" in html and "张弘强" in html


def test_previous_and_next_follow_print_order_and_skip_drafts(client, seed_issue):
    article("我市投资延续高增态势").__class__.objects.filter(
        headline="我市投资延续高增态势"
    ).update(status=Article.Status.DRAFT)
    html = html_of(client, article("我市工业生产持续向好").get_absolute_url())
    assert "上一篇:" in html and "我市多措并举深入开展乡村振兴工作" in html
    assert "下一篇:" in html and "我市新建5G基站1207个" in html
    assert "我市投资延续高增态势" not in html


def test_more_from_the_same_column(client):
    section = make_section(name="民生速递")
    first, second = make_article(section=section), make_article(section=section)
    html = html_of(client, first.get_absolute_url())
    assert "更多“民生速递”" in html and second.headline in html


def test_person_page_lists_their_articles_with_their_role(client, seed_issue):
    html = html_of(client, "/people/li-na/")
    assert "<h1>李娜</h1>" in html
    assert "我市多措并举深入开展乡村振兴工作" in html and "迟红蕾：心系社区 为民代言" in html
    assert "本报记者" in html and ">记者<" in html
    html = html_of(client, "/people/hu-jian-hua/")
    assert "特约通讯员、摄影" in html


def test_person_page_shows_bio_and_portrait(client, seed_issue):
    person = Person.objects.get(name="邵南")
    person.bio = "本报经济新闻记者。"
    person.portrait = "people/shao-nan.jpg"
    person.save()
    html = html_of(client, person.get_absolute_url())
    assert "本报经济新闻记者。" in html
    assert 'src="/media/people/shao-nan.jpg"' in html


def test_column_page_lists_its_published_articles(client, seed_issue):
    html = html_of(client, "/sections/ren-da-dai-biao-feng-cai/")
    assert "<h1>人大代表风采</h1>" in html and "迟红蕾：心系社区 为民代言" in html
    assert "我市工业生产持续向好" not in html


def test_tag_page(client, seed_issue):
    article("迟红蕾").tags.add("人大代表")
    html = html_of(client, "/tags/人大代表/")
    assert "标签:人大代表" in html and "迟红蕾：心系社区 为民代言" in html


def test_issue_page_in_print_order_grouped_by_page_with_neighbours(client, seed_issue):
    Article.objects.filter(position__lte=3).update(page_number=1, page_name="要闻")
    Article.objects.filter(position__gt=3).update(page_number=2, page_name="综合")
    make_article(issue=make_issue(date=seed_issue.date - timedelta(days=1)))
    html = html_of(client, "/issues/2022-12-20/")
    assert "第1版 要闻" in html and "第2版 综合" in html
    headlines = re.findall(r'<li class="article-item">\s*<a href="[^"]+">([^<]+)</a>', html)
    in_print_order = seed_issue.articles.order_by("position").values_list("headline", flat=True)
    assert headlines == list(in_print_order)
    assert "上一期:2022年12月19日" in html


def test_issue_archive_is_a_calendar_by_month(client, seed_issue):
    html = html_of(client, "/issues/")
    assert "2022年12月(共 1 期)" in html
    assert 'href="/issues/2022-12-20/"' in html
    assert html_of(client, "/issues/2022/12/") == html


def test_metadata_canonical_opengraph_and_news_article_json_ld(client, seed_issue):
    kailu = article("开鲁县")
    kailu.page_number, kailu.page_name = 3, "综合新闻"
    kailu.save()
    html = html_of(client, kailu.get_absolute_url())
    url = f"http://testserver{kailu.get_absolute_url()}"
    assert "<title>开鲁县人社局优化营商环境 提升服务效能 - 通辽日报</title>" in html
    assert '<meta name="description" content="开鲁县人社局把稳就业视为最大的民生' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:title" content="开鲁县人社局优化营商环境 提升服务效能">' in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "开鲁县人社局优化营商环境 提升服务效能"
    assert data["datePublished"] == "2022-12-20T00:00:00+08:00"  # the same instant, Beijing time
    assert data["dateModified"]
    assert [a["name"] for a in data["author"]] == ["胡建华", "杨景欣", "郭大雷", "田秀敏"]
    assert [c["name"] for c in data["contributor"]] == ["胡建华"]
    assert data["publisher"]["name"] == "通辽日报"
    assert data["articleSection"] == "优化营商环境进行时"
    assert data["printEdition"] == "通辽日报 2022年12月20日"
    assert (data["printPage"], data["printSection"]) == ("3", "综合新闻")


def test_json_ld_cannot_break_out_of_its_script_element(client):
    story = make_article(headline="</script><script>alert(1)</script>")
    html = html_of(client, story.get_absolute_url())
    assert "<script>alert(1)" not in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert data["headline"] == "</script><script>alert(1)</script>"


def test_robots_txt_points_at_the_sitemaps(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/sitemap-news.xml" in text
    assert "Disallow: /admin/" in text


def test_custom_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_custom_500_page_renders_without_a_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()


# What the site never shows ---------------------------------------------------


@pytest.fixture
def unpublished(seed_issue):
    """A draft, a scheduled and a never-dated article touching every public surface."""
    section = article("迟红蕾").section
    secret_person = make_person(name="隐身人")
    lina = Person.objects.get(name="李娜")
    tag = Tag.objects.create(name="绝密标签", slug="jue-mi")
    article("迟红蕾").tags.add("公开标签")
    draft_issue = make_issue(date=seed_issue.date + timedelta(days=1))
    kinds = [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + timedelta(hours=2)},
        {"status": Article.Status.DRAFT, "published_at": None},
    ]
    hidden = []
    for n, changes in enumerate(kinds):
        story = make_article(
            headline=f"不应公开的稿件{n}",
            section=section,
            issue=seed_issue if n < 2 else draft_issue,
            position=100 + n,
            credits=[(lina, "记者"), (secret_person, "通讯员")],
            **changes,
        )
        story.tags.add(tag, "公开标签")
        photo = Photo.objects.create(article=story, caption="图为不应公开的图片。")
        PhotoCredit.objects.create(photo=photo, person=secret_person, role="摄影记者")
        hidden.append(story)
    only_drafts = make_section(name="只有草稿的栏目")
    make_article(headline="不应公开的稿件9", section=only_drafts, status=Article.Status.DRAFT)
    return hidden


PUBLIC_URLS = [
    "/",
    "/issues/",
    "/issues/2022/12/",
    "/issues/2022-12-20/",
    "/sections/ren-da-dai-biao-feng-cai/",
    "/people/li-na/",
    "/tags/公开标签/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/sections/ren-da-dai-biao-feng-cai/rss/",
    "/sections/ren-da-dai-biao-feng-cai/atom/",
    "/people/li-na/rss/",
    "/people/li-na/atom/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/sitemap-people.xml",
    "/sitemap-issues.xml",
    "/sitemap-news.xml",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_unpublished_articles_never_leak(client, unpublished, url):
    body = html_of(client, url)
    assert "不应公开" not in body
    assert "隐身人" not in body and "yin-shen-ren" not in body
    assert "绝密标签" not in body and "只有草稿的栏目" not in body
    assert "2022-12-21" not in body and "2022年12月21日" not in body
    for story in unpublished:
        assert story.get_absolute_url() not in body


def test_unpublished_articles_are_404_and_counts_ignore_them(client, unpublished):
    for story in unpublished:
        assert client.get(story.get_absolute_url()).status_code == 404
    for url in [
        "/people/yin-shen-ren/",
        "/people/yin-shen-ren/rss/",
        "/tags/jue-mi/",
        "/issues/2022-12-21/",
        "/sections/zhi-you-cao-gao-de-lan-mu/rss/",
    ]:
        assert client.get(url).status_code in {404}, url
    assert "2022年12月(共 1 期)" in html_of(client, "/issues/")
    assert html_of(client, "/people/li-na/").count('class="article-item"') == 2


# Bad input in URLs -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/issues/2022-13-45/",
        "/issues/2022-02-30/",
        "/issues/2022-12-19/",
        "/issues/2022/13/",
        "/issues/0/1/",
        "/issues/99999999999999999999/1/",
        "/issues/2021/1/",
        "/articles/999999/x/",
        "/articles/99999999999999999999999/x/",
        "/sections/nope/",
        "/sections/nope/rss/",
        "/people/nope/",
        "/people/nope/atom/",
        "/tags/nope/",
        "/sections/ren-da-dai-biao-feng-cai/?page=99",
        "/sections/ren-da-dai-biao-feng-cai/?page=abc",
        "/sections/ren-da-dai-biao-feng-cai/?page=0",
        "/people/li-na/?page=-1",
        "/issues/2022-12-20/?page=2",
        "/sitemap-nope.xml",
        "/sitemap-articles.xml?p=99",
    ],
)
def test_bad_url_input_is_404_never_500(client, seed_issue, url):
    assert client.get(url).status_code == 404


# What each page costs --------------------------------------------------------

QUERY_LIMITS = {
    "front": 8,
    "article": 4,  # one of them the change log (articles/page_cache.py)
    "section": 6,
    "person": 7,
    "tag": 6,
    "issue": 7,
    "archive": 6,
    "rss": 6,
    "atom": 6,
    "section_rss": 6,
    "person_rss": 6,
    "sitemap_index": 8,  # a count and a latest date for each of the sitemaps it lists
    "sitemap_articles": 6,
    "sitemap_people": 6,
    "news_sitemap": 6,
}


def page_urls(world):
    photo_article = Photo.objects.filter(article__section=world["section"]).first().article
    return {
        "front": "/",
        "article": photo_article.get_absolute_url(),
        "section": world["section"].get_absolute_url(),
        "person": world["person"].get_absolute_url(),
        "tag": "/tags/dai-ce/",
        "issue": world["issue"].get_absolute_url(),
        "archive": "/issues/",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "section_rss": f"{world['section'].get_absolute_url()}rss/",
        "person_rss": f"{world['person'].get_absolute_url()}rss/",
        "sitemap_index": "/sitemap.xml",
        "sitemap_articles": "/sitemap-articles.xml",
        "sitemap_people": "/sitemap-people.xml",
        "news_sitemap": "/sitemap-news.xml",
    }


def queries_for(client, url):
    client.get(url)  # warm the navigation cache, as any page view does
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", QUERY_LIMITS)
def test_query_count_is_fixed_from_10_to_200_articles(client, page):
    world = {
        "section": make_section(name="待测栏目", slug="dai-ce-lan-mu"),
        "issue": make_issue(date=timezone.localdate()),
        "person": make_person(name="待测记者"),
        "tag": Tag.objects.create(name="待测", slug="dai-ce"),
    }
    make_many_articles(10, **world)
    url = page_urls(world)[page]
    small = queries_for(client, url)
    make_many_articles(190, start=10, **world)
    large = queries_for(client, url)
    assert small == large <= QUERY_LIMITS[page], (small, large)


def test_an_article_in_its_columns_latest_is_listed_once_among_its_issues_neighbours(client):
    section, issue = make_section(name="民生"), make_issue()
    first = make_article(section=section, issue=issue, position=0, headline="第一篇")
    middle = make_article(section=section, issue=issue, position=1, headline="第二篇")
    last = make_article(section=section, issue=issue, position=2, headline="第三篇")
    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert f'rel="next" href="{last.get_absolute_url()}"' in html
    more = re.search(r'<section class="more".*?</section>', html, re.S).group(0)
    assert more.count("第一篇") == 1 and more.count("第三篇") == 1 and "第二篇" not in more


def test_the_legal_footer_shows_each_filing_number_when_set(client, settings, seed_issue):
    html = html_of(client, "/")
    assert "ICP" not in html and "公网安备" not in html and "© 通辽日报" in html
    settings.NEWSROOM_ICP_NUMBER = "蒙ICP备12345678号-1"
    settings.NEWSROOM_PSB_NUMBER = "蒙公网安备 15050202000123号"
    settings.NEWSROOM_NEWS_LICENSE = "互联网新闻信息服务许可证编号:15120170001"
    settings.NEWSROOM_COPYRIGHT = "© 2026 通辽日报社 版权所有"
    cache.clear()
    html = html_of(client, "/")
    assert '<a href="https://beian.miit.gov.cn/"' in html and "蒙ICP备12345678号-1</a>" in html
    assert "code=15050202000123" in html and "蒙公网安备 15050202000123号</a>" in html
    assert "互联网新闻信息服务许可证编号:15120170001" in html
    assert "© 2026 通辽日报社 版权所有" in html and "<p>© 通辽日报</p>" not in html


def test_people_index_lists_staff_with_their_latest_story(client, seed_issue):
    html = html_of(client, "/people/")
    # 本报记者 邵南 and 李娜 are the paper's own; 通讯员 and bare-name authors are not listed.
    assert ">邵南</a>" in html and ">李娜</a>" in html
    assert "杨景欣" not in html and "狄雅莉" not in html
    li_na = re.search(
        r">李娜</a>\s*<span class=\"article-meta\">最新:<a href=\"(/articles/[^\"]+)\"", html
    )
    assert li_na and client.get(li_na[1]).status_code == 200


def test_people_index_leaves_out_people_with_nothing_published(client, seed_issue):
    Article.objects.filter(headline__startswith="孙忠国").update(status=Article.Status.DRAFT)
    html = html_of(client, "/people/")
    assert ">邵南</a>" not in html  # only credited, as staff, on a story now unpublished


def test_tag_index_lists_tags_on_published_stories_by_use(client, seed_issue):
    Article.objects.get(headline__startswith="开鲁县").tags.add("营商环境", "就业")
    Article.objects.get(headline__startswith="孙忠国").tags.add("营商环境")
    draft = Article.objects.get(headline__startswith="迟红蕾")
    draft.tags.add("未发布的标签")
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.DRAFT)
    html = html_of(client, "/tags/")
    assert html.index("营商环境") < html.index("就业")
    assert "2 篇" in html and "未发布的标签" not in html


def test_a_withdrawn_article_is_gone_with_a_short_notice_and_nothing_of_it(client, seed_issue):
    article = Article.objects.get(headline="我市新建5G基站1207个")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN)
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 410 and "本稿已撤回" in html
    assert article.headline not in html and "基站" not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Drafts and articles that never existed stay plain 404s: nothing about them is told.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get("/articles/999999/x/").status_code == 404


def test_the_article_page_leads_with_its_first_photo(client, seed_issue):
    kailu = article("开鲁县")
    Photo.objects.create(article=kailu, caption="图为第二张照片。", position=5)
    html = html_of(client, kailu.get_absolute_url())
    lead = html.index('<figure class="photo lead-photo">')
    assert lead < html.index('<div class="article-body">') < html.index("图为第二张照片。")
    assert html.index("留工培训补助到账情况", lead) < html.index('<div class="article-body">')


def test_the_front_page_has_no_empty_latest_block(client, seed_issue):
    assert "latest-heading" not in html_of(client, "/")  # every story is in today's issue


def test_an_article_page_costs_the_same_whatever_the_article_shows(client):
    """Photos, credits, tags and corrections are in the stored page: none costs a query."""
    plain, rich = make_article(), make_article()
    photo = Photo.objects.create(article=rich, caption="图为新建的5G基站。")
    PhotoCredit.objects.create(photo=photo, person=make_person(name="摄影记者甲"), role="记者")
    Credit.objects.create(article=rich, person=make_person(name="文字记者乙"), role="记者")
    rich.tags.add("基站")
    workflow.add_corrections(rich, [Correction(text="第二段的日期应为12月19日。")], None)
    assert queries_for(client, plain.get_absolute_url()) == 2  # the row, and what is around it
    assert queries_for(client, rich.get_absolute_url()) == 2
    html = client.get(rich.get_absolute_url()).content.decode()
    for shown in ["图为新建的5G基站。", "摄影记者甲", "文字记者乙", "基站", "12月19日"]:
        assert shown in html
