"""The desk's admin: lists, filters, search, the article form with its inlines and notes."""

import pytest
from django.urls import reverse

from articles.models import Article, Credit, Photo
from people.models import Person
from tests.browserless import article_form

pytestmark = pytest.mark.django_db


def test_article_changelist_shows_the_seed_with_bylines(admin_client, seed_issue):
    response = admin_client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "我市多措并举深入开展乡村振兴工作" in html
    assert "特约通讯员 胡建华 通讯员 杨景欣 郭大雷 田秀敏" in html
    assert "乡村振兴进行时" in html
    assert html.count('class="field-headline"') == 8


def test_changelist_queries_do_not_grow_with_articles(
    admin_client, seed_issue, django_assert_max_num_queries
):
    url = reverse("admin:articles_article_changelist")
    with django_assert_max_num_queries(12):
        admin_client.get(url)
    from tests.factories import make_article, make_person

    person = make_person(name="王强")
    for _ in range(40):
        make_article(credits=[(person, "记者")])
    with django_assert_max_num_queries(12):
        admin_client.get(url)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("基站", {"我市新建5G基站1207个"}),
        ("留工培训补助", {"开鲁县人社局优化营商环境 提升服务效能"}),
        ("狄雅莉", {"霍林郭勒市委党校：聚焦主责主业"}),
        ("李娜", {"我市多措并举深入开展乡村振兴工作", "迟红蕾：心系社区 为民代言"}),
    ],
)
def test_admin_search_covers_headline_body_and_people(admin_client, seed_issue, query, expected):
    response = admin_client.get(reverse("admin:articles_article_changelist"), {"q": query})
    assert {a.headline for a in response.context["cl"].result_list} == expected


@pytest.mark.parametrize(
    "params",
    [{"status__exact": "published"}, {"section__id__exact": "1"}, {"published_at__year": "2022"}],
)
def test_admin_filters_work(admin_client, seed_issue, params):
    response = admin_client.get(reverse("admin:articles_article_changelist"), params)
    assert response.status_code == 200


def test_issue_filter_lists_articles_of_one_issue(admin_client, seed_issue):
    url = reverse("admin:articles_article_changelist")
    response = admin_client.get(url, {"issue__id__exact": seed_issue.pk})
    assert len(response.context["cl"].result_list) == 8


def test_article_form_shows_import_notes_credits_and_photo(admin_client, seed_issue):
    article = Article.objects.get(headline="霍林郭勒市委党校：聚焦主责主业")
    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = response.content.decode()
    assert "导入时发现的问题,请核对" in html and "传播党的声音" in html
    assert "### 坚持学习先行 准确把握精神实质" in html

    kailu = Article.objects.get(headline__startswith="开鲁县")
    html = admin_client.get(reverse("admin:articles_article_change", args=[kailu.pk])).content
    html = html.decode()
    assert "图为内蒙古圣雪大成制药有限公司财务人员正在查看留工培训补助到账情况。" in html
    assert "本报特约通讯员 胡建华 摄" in html
    assert "导入时发现的问题" not in html


def test_editor_changes_body_tags_and_clears_notes(admin_client, seed_issue):
    article = Article.objects.get(headline="霍林郭勒市委党校：聚焦主责主业")
    url, data = article_form(admin_client, article)
    data |= {
        "body": "第一段。\n\n### 小标题\n\n第二段,\n接着写。",
        "new_tags": "乡村振兴, 基层治理",
        "clear_import_notes": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.body == [
        {"type": "paragraph", "text": "第一段。"},
        {"type": "subhead", "text": "小标题"},
        {"type": "paragraph", "text": "第二段,接着写。"},
    ]
    assert article.import_notes == []
    assert set(article.tags.names()) == {"乡村振兴", "基层治理"}
    assert article.credits.get().person.name == "狄雅莉"


def test_publishing_without_a_time_publishes_now(admin_client, seed_issue):
    article = Article.objects.first()
    Article.objects.filter(pk=article.pk).update(status="draft", published_at=None)
    url, data = article_form(admin_client, article)
    data |= {"status": "published", "published_at_0": "", "published_at_1": ""}
    assert admin_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.is_published


def test_add_article_with_a_credit(admin_client, seed_issue):
    person = Person.objects.get(name="邵南")
    url, data = article_form(admin_client)
    data |= {
        "headline": "我市迎来今冬首场降雪",
        "body": "昨日,我市迎来今冬首场降雪。",
        "credits-TOTAL_FORMS": "1",
        "credits-0-person": person.pk,
        "credits-0-role": "记者",
        "credits-0-staff": "on",
        "credits-0-position": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(headline="我市迎来今冬首场降雪")
    assert article.slug == "wo-shi-ying-lai-jin-dong-shou-chang-jiang-xue"
    assert article.byline() == "本报记者 邵南"
    assert not article.is_published


@pytest.mark.parametrize(
    ("model_name", "term", "expected"),
    [("person", "李", "李娜"), ("section", "乡村", "乡村振兴进行时"), ("tag", "乡村", "乡村振兴")],
)
def test_autocomplete_for_people_sections_and_tags(
    admin_client, seed_issue, model_name, term, expected
):
    Article.objects.first().tags.add("乡村振兴")
    field = {
        "person": ("articles", "credit", "person"),
        "section": ("articles", "article", "section"),
    }
    app_label, source_model, field_name = field.get(model_name, ("articles", "article", "tags"))
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": app_label,
            "model_name": source_model,
            "field_name": field_name,
        },
    )
    assert response.status_code == 200
    assert expected in [item["text"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_issue_changelist",
        "admin:articles_section_changelist",
        "admin:articles_photo_changelist",
        "admin:people_person_changelist",
        "admin:articles_article_add",
        "admin:articles_photo_add",
        "admin:people_person_add",
    ],
)
def test_every_admin_page_opens(admin_client, seed_issue, url_name):
    assert admin_client.get(reverse(url_name)).status_code == 200


def test_photo_credit_is_edited_on_the_photo(admin_client, seed_issue):
    photo = Photo.objects.get()
    response = admin_client.get(reverse("admin:articles_photo_change", args=[photo.pk]))
    assert "胡建华" in response.content.decode()


def test_person_admin_counts_credits(admin_client, seed_issue):
    response = admin_client.get(reverse("admin:people_person_changelist"), {"q": "李娜"})
    people = list(response.context["cl"].result_list)
    assert [(p.name, p.credit_count) for p in people] == [("李娜", 2)]
    assert Credit.objects.filter(person__name="李娜").count() == 2


def test_login_protection_reads_in_chinese(admin_client, client):
    # One failed login, so the attempts list has a row to label.
    client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    index = admin_client.get("/admin/").content.decode()
    assert "登录保护" in index and "登录尝试" in index and "登录日志" in index
    attempts = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "失败次数" in attempts and "nobody" in attempts
    assert "Failed Logins" not in attempts and "Access Attempt" not in attempts
