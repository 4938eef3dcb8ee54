import datetime
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from articles.body import plain_text, render_body
from articles.bylines import BYLINE_ROLES
from articles.images import PhotoImageField, delete_files_on_commit, rendition_paths
from newsroom import prepared
from newsroom.dates import DateInRange
from newsroom.links import link
from newsroom.text import pinyin_slug, unique_slugs
from people.models import Person

# What the database itself refuses, whatever NEWSROOM_EARLIEST_DATE and _LATEST_DATE say: never a
# BC or five-digit year, which PostgreSQL stores and psycopg cannot read back.
DB_EARLIEST = datetime.date(1900, 1, 1)
DB_LATEST = datetime.date(2199, 12, 31)


def site_paper_name():
    return settings.NEWSROOM_PAPER_NAME


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store Chinese as itself, not as \\uXXXX escapes, so SQLite can search it too."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class WithPublishedArticlesQuerySet(models.QuerySet):
    """Issues or columns, narrowed to those readers can see: ones with published articles."""

    related_field = None  # the Article field pointing here

    def with_published_articles(self):
        published = Article.objects.published().filter(**{self.related_field: OuterRef("pk")})
        return self.filter(Exists(published))


class IssueQuerySet(WithPublishedArticlesQuerySet):
    related_field = "issue"


class SectionQuerySet(WithPublishedArticlesQuerySet):
    related_field = "section"


class Issue(models.Model):
    """One print issue (期) of a paper, as imported from its source file."""

    paper = models.CharField("报纸", max_length=50, default=site_paper_name)
    date = models.DateField("出版日期", validators=[DateInRange()])
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    source_name = models.CharField("源文件名", max_length=255, blank=True)
    source_sha256 = models.CharField("源文件 SHA-256", max_length=64, blank=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)
    notes = models.JSONField(
        "导入备注",
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        help_text="源文件中第一篇文章之前、无法归属的内容。",
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = "报纸期次"
        verbose_name_plural = "报纸期次"
        ordering = ["-date", "paper"]
        # One paper per site: an issue is known by its date alone, as its URL says.
        constraints = [
            models.UniqueConstraint(fields=["date"], name="issue_unique_date"),
            models.CheckConstraint(
                condition=Q(date__gte=DB_EARLIEST, date__lte=DB_LATEST),
                name="issue_date_in_range",
            ),
        ]

    def __str__(self):
        number = f" 第{self.number}期" if self.number else ""
        return f"{self.paper} {self.date:%Y年%m月%d日}{number}"

    def get_absolute_url(self):
        return reverse("articles:issue_detail", kwargs={"date": self.date.isoformat()})


class Section(models.Model):
    """A column (栏目) such as 乡村振兴进行时."""

    name = models.CharField("名称", max_length=100, unique=True)
    slug = models.SlugField("网址标识", max_length=100, unique=True, blank=True)
    description = models.TextField("简介", blank=True)
    position = models.PositiveIntegerField("排序", default=0)

    objects = SectionQuerySet.as_manager()

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slugs(type(self), [self.name], max_length=80)[self.name]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("articles:section_detail", slug=self.slug)


# How a print issue is read: page by page, then in layout order.
PRINT_ORDER = [F("page_number").asc(nulls_last=True), F("position").asc(), F("pk").asc()]


def published_q():
    """The one definition of what readers may see: published, and its time has come."""
    return Q(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_q())

    def published_or(self, pk):
        """Published articles plus article `pk` whatever its state: a preview among public ones."""
        return self.filter(published_q() | Q(pk=pk))

    def with_credits(self):
        return self.select_related("section", "issue").prefetch_related(
            models.Prefetch("credits", queryset=Credit.objects.select_related("person"))
        )

    def credited_to(self, person):
        """Articles a person wrote, reported or photographed."""
        return self.filter(
            Exists(Credit.objects.filter(article=OuterRef("pk"), person=person))
            | Exists(PhotoCredit.objects.filter(photo__article=OuterRef("pk"), person=person))
        )

    def in_print_order(self):
        return self.order_by(*PRINT_ORDER)

    def around(self, article, more=5, also=None):
        """What an article page shows around the article, in one plain query.

        (previous, next): its neighbours in its issue's print order among the published
        articles (and article `also`, a preview), as dicts with pk, headline and url, or
        None; and the `more` latest published articles of its column, as ArticleLinks. Both
        come from one query for the issue's articles (an issue holds tens of them) plus the
        column's latest: cheaper to build and to run than window functions over the issue,
        which sort it twice, and one query fewer than asking separately.

        Written as SQL and read as tuples: UNION ALL, not OR, so each half uses its own index
        (an OR of the two made PostgreSQL scan the whole archive, 85 ms at 100,000 articles);
        the ORM took longer to compile this union than the database to run it, and making
        model instances of an issue's rows cost more than the query (both measured).
        """
        table = Article._meta.db_table
        columns = "id, slug, headline, published_at, section_id, page_number, position"
        published = "status = %s AND published_at <= %s"
        now = timezone.now()
        parts, params = [], []
        if article.issue_id:
            visible = f"({published} OR id = %s)" if also else published
            parts.append(
                f"SELECT 1 AS half, {columns} FROM {table} WHERE {visible} AND issue_id = %s"
            )
            params += [Article.Status.PUBLISHED, now, *([also] if also else []), article.issue_id]
        if article.section_id:
            # The column's latest through IN: SQLite takes no ORDER BY inside a UNION's part.
            parts.append(
                f"SELECT 2 AS half, {columns} FROM {table} WHERE id IN (SELECT id FROM {table} "
                f"WHERE {published} AND section_id = %s AND id <> %s "
                "ORDER BY published_at DESC LIMIT %s)"
            )
            params += [Article.Status.PUBLISHED, now, article.section_id, article.pk, more]
        if not parts:
            return None, None, []
        sql = " UNION ALL ".join(parts) + " ORDER BY half, published_at DESC, id DESC"
        with connections[self.db].cursor() as cursor:
            prepared.execute(cursor, sql, params)
            rows = cursor.fetchall()
        siblings = sorted(
            (row for row in rows if row[0] == 1),
            key=lambda row: (row[6] is None, row[6] or 0, row[7], row[1]),
        )
        index = next((i for i, row in enumerate(siblings) if row[1] == article.pk), None)

        def neighbour(position):
            if not 0 <= position < len(siblings):
                return None
            _, pk, slug, headline, *_ = siblings[position]
            return {"pk": pk, "headline": headline, "url": article_url(pk, slug)}

        published_at = Article._meta.get_field("published_at")
        column = [
            ArticleLink(pk, slug, headline, db_value(published_at, when, self.db))
            for half, pk, slug, headline, when, *_ in rows
            if half == 2
        ]
        if index is None:
            return None, None, column
        return neighbour(index - 1), neighbour(index + 1), column

    def front_page(self, issue_articles, latest):
        """What the front page lists, in one plain query: (the newest Issue or None, its first
        `issue_articles` published articles in print order, the `latest` newest published
        articles), each a list of ArticleLinks with their columns.

        The newest issue is the issue of the newest published article in one. SQL for the
        same reasons as around(): compiling the ORM's three queries took longer than running
        them (measured: a third of an uncached front page).
        """
        table, sections, issues = (m._meta.db_table for m in (Article, Section, Issue))
        columns = "a.id, a.slug, a.headline, a.published_at, a.page_number, a.position"
        columns += ", i.id, i.paper, i.date, i.number, s.id, s.name, s.slug"
        joined = (
            f"{table} a LEFT JOIN {sections} s ON s.id = a.section_id "
            f"LEFT JOIN {issues} i ON i.id = a.issue_id"
        )
        published = "a.status = %s AND a.published_at <= %s"
        now = timezone.now()
        sql = (
            f"SELECT * FROM (SELECT 1 AS half, {columns} FROM {joined} WHERE {published} "
            f"AND a.issue_id = (SELECT issue_id FROM {table} WHERE status = %s "
            "AND published_at <= %s AND issue_id IS NOT NULL ORDER BY published_at DESC LIMIT 1) "
            "ORDER BY a.page_number IS NULL, a.page_number, a.position, a.id LIMIT %s) AS issue "
            f"UNION ALL SELECT * FROM (SELECT 2 AS half, {columns} FROM {joined} "
            f"WHERE {published} ORDER BY a.published_at DESC, a.position, a.id LIMIT %s) AS latest"
        )
        status = Article.Status.PUBLISHED
        params = [status, now, status, now, issue_articles, status, now, latest]
        with connections[self.db].cursor() as cursor:
            prepared.execute(cursor, sql, params)
            rows = cursor.fetchall()
        published_at = Article._meta.get_field("published_at")
        found = {1: [], 2: []}
        issue = None
        for half, pk, slug, headline, when, number, position, *rest in rows:
            issue_values, section = rest[:4], rest[4:]
            section = SectionLink(*section) if section[0] is not None else None
            when = db_value(published_at, when, self.db)
            found[half].append(ArticleLink(pk, slug, headline, when, section, number, position))
            if half == 1 and issue is None:
                issue_pk, paper, day, issue_number = issue_values
                issue = Issue(
                    pk=issue_pk,
                    paper=paper,
                    date=db_value(Issue._meta.get_field("date"), day, self.db),
                    number=issue_number,
                )
        return issue, found[1], found[2]


@dataclass(frozen=True)
class SectionLink:
    """A column as a list names it, from a plain query."""

    pk: int
    name: str
    slug: str

    def get_absolute_url(self):
        return link("articles:section_detail", slug=self.slug)


@dataclass(frozen=True)
class ArticleLink:
    """An article as a list item shows it (articles_tags.article_item), from a plain query."""

    pk: int
    slug: str
    headline: str
    published_at: datetime.datetime
    section: SectionLink | None = None  # None also where the list is one column's
    page_number: int | None = None
    position: int = 0

    @property
    def section_id(self):
        return self.section.pk if self.section else None

    def get_absolute_url(self):
        return article_url(self.pk, self.slug)


def article_url(pk, slug):
    return link("articles:detail", pk=pk, slug=slug)


def db_value(field, value, using="default"):
    """A value read by a plain cursor as the ORM would return it (SQLite's datetimes are text)."""
    connection = connections[using]
    column = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    for converter in converters:
        value = converter(value, column, connection)
    return value


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is large and only PostgreSQL reads it; never load it into Python.
        # The rendered body and the display data are for the article page alone, which asks.
        return super().get_queryset().defer("search_vector", "body_html", "display_data", "page")

    def reclaim_rewritten_rows(self):
        """After a command rewrote every article (a re-index, a refresh of the stored pages):
        PostgreSQL keeps the old row versions until a vacuum, and autovacuum can lag behind a
        rewrite of 100,000 rows (195,000 dead versions were seen), slowing every query that
        scans the table. Also folds the search index's pending list in and refreshes the
        planner's statistics. Outside a transaction only; elsewhere a no-op."""
        connection = connections[self.db]
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {Article._meta.db_table}")

    def stored_pages(self, pks):
        """{pk: stored page} of these articles, whatever their state, in one plain query."""
        if not pks:
            return {}
        table, field = Article._meta.db_table, Article._meta.get_field("page")
        marks = ", ".join(["%s"] * len(pks))
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT id, page FROM {table} WHERE id IN ({marks})", list(pks))  # noqa: S608
            return {pk: db_value(field, page, self.db) for pk, page in cursor.fetchall()}

    def stored_page(self, pk):
        """The published article `pk` as its page reads it: a StoredArticle, or None.

        One plain query on the primary key, no model instance: the page shows what was stored
        in `page` when the article last changed (articles/article_page.py)."""
        table = Article._meta.db_table
        with connections[self.db].cursor() as cursor:
            prepared.execute(
                cursor,
                f"SELECT id, slug, issue_id, section_id, page FROM {table} "  # noqa: S608
                "WHERE id = %s AND status = %s AND published_at <= %s",
                [pk, Article.Status.PUBLISHED, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        *fields, page = row
        return StoredArticle(*fields, db_value(Article._meta.get_field("page"), page, self.db))


@dataclass(frozen=True)
class StoredArticle:
    """A published article as its public page needs it (ArticleManager.stored_page)."""

    pk: int
    slug: str
    issue_id: int | None
    section_id: int | None
    page: dict

    def get_absolute_url(self):
        return article_url(self.pk, self.slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤稿"

    headline = models.CharField("标题", max_length=200)
    kicker = models.CharField("引题", max_length=200, blank=True)
    subheadline = models.CharField("副题", max_length=200, blank=True)
    slug = models.SlugField(
        "网址标识", max_length=100, blank=True, help_text="留空则按标题拼音生成;发布后请勿修改。"
    )
    section = models.ForeignKey(
        Section,
        verbose_name="栏目",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    issue = models.ForeignKey(
        Issue,
        verbose_name="报纸期次",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
    )
    position = models.PositiveIntegerField("版面顺序", default=0, help_text="在本期中的先后顺序。")
    page_number = models.PositiveSmallIntegerField("版次", null=True, blank=True)
    page_name = models.CharField("版名", max_length=50, blank=True)
    dateline = models.CharField("电头", max_length=100, blank=True, help_text="如:本报讯")
    body = models.JSONField(
        "正文",
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        help_text="按顺序排列的段落和小标题。",
    )
    display_data = models.JSONField(
        "页面数据",
        default=dict,
        blank=True,
        editable=False,
        encoder=UnicodeJSONEncoder,
        help_text="文章页显示的署名、图片署名和标签,随每次改动更新(articles/display.py)。",
    )
    page = models.JSONField(
        "文章页",
        default=dict,
        blank=True,
        editable=False,
        encoder=UnicodeJSONEncoder,
        help_text="文章页上这篇稿件本身的网页 HTML 和元数据,随每次改动生成(articles/article_page.py)。",
    )
    body_html = models.TextField(
        "正文(网页)",
        blank=True,
        editable=False,
        help_text="正文和电头排好的网页 HTML,保存时生成;读者打开文章时不再逐段清洗。",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        "发布时间", null=True, blank=True, validators=[DateInRange()]
    )
    tags = TaggableManager("标签", blank=True)
    import_notes = models.JSONField(
        "导入备注",
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        help_text="导入时发现、需要编辑核对的内容(如排版夹入正文的标题)。",
    )
    withdrawn_reason = models.TextField("撤稿原因", blank=True)
    corrected_at = models.DateTimeField(
        "最近更正时间",
        null=True,
        blank=True,
        editable=False,
        help_text="最近一次追加更正的时间;有值时文章页才去取更正。",
    )
    version = models.PositiveIntegerField(
        "版本号", default=1, editable=False, help_text="每次保存加一,用来发现两人同时修改。"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    search_vector = SearchVectorField(
        "搜索索引",
        null=True,
        editable=False,
        help_text="PostgreSQL 上的分词全文索引(见 articles/search.py)。",
    )
    import_fingerprint = models.CharField(
        "导入指纹",
        max_length=64,
        blank=True,
        editable=False,
        help_text="上次导入时内容的哈希值,用于判断编辑是否改过这篇稿件。",
    )
    preview_key = models.CharField(
        "预览链接密钥",
        max_length=32,
        blank=True,
        editable=False,
        help_text="外部预览链接带着它;撤销链接或撤稿时清空,旧链接随即失效。",
    )
    # Tags are part of an article's revisions (restoring a revision brings its tags back).
    tagged_items = GenericRelation(TaggedItem, related_query_name="tagged_article")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ArticleManager()

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-published_at", "position", "pk"]
        permissions = [
            ("publish_article", "可以发布、定时发布和撤下稿件"),
            ("edit_others_article", "可以修改他人的稿件"),
            ("correct_article", "可以为已发布稿件追加更正"),
        ]
        indexes = [
            models.Index(fields=["created_by", "-updated_at"], name="article_created_by_idx"),
            # The admin's and feeds' default order: newest first, with no sort of the whole table.
            models.Index(fields=["-published_at", "position", "id"], name="article_newest_idx"),
            models.Index(fields=["status", "-published_at"], name="article_status_published_idx"),
            models.Index(fields=["section", "-published_at"], name="article_section_published_idx"),
            models.Index(fields=["issue", "position"], name="article_issue_position_idx"),
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | Q(
                    published_at__gte=datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC),
                    published_at__lt=datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC),
                ),
                name="article_published_at_in_range",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = pinyin_slug(self.headline)
        # Readers never run the sanitizer: the body is rendered here, whenever it is saved.
        self.body_html = render_body(self.body, self.dateline)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"body", "dateline"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return article_url(self.pk, self.slug)

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self):
        """草稿, 待审, 已发布, 定时发布 or 已撤稿, as the desk says it."""
        return "定时发布" if self.is_scheduled else self.get_status_display()

    @property
    def modified_at(self):
        """When readers last saw a change: the article's save or its latest correction."""
        return max(self.updated_at, self.corrected_at or self.updated_at)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def summary(self):
        """The first paragraph, cut to a length search engines and WeChat cards show."""
        text = plain_text(self.paragraphs[0]) if self.paragraphs else ""
        return text if len(text) <= 120 else text[:119] + "…"

    @property
    def paragraphs(self):
        return [block["text"] for block in self.body if block.get("type") == "paragraph"]

    @property
    def body_text(self):
        return "\n".join(block.get("text", "") for block in self.body)

    def byline(self):
        """`本报记者 邵南 通讯员 张弘强`: consecutive credits with one role share it."""
        return format_byline(self.credits.all())


def format_byline(credits):
    parts = []
    previous = None
    for credit in credits:
        label = credit.role_label
        if label != previous:
            if label:
                parts.append(label)
            previous = label
        parts.append(credit.person.name)
    return " ".join(parts)


# The byline roles the parser reads are the ones the database accepts: one list, articles/bylines.py.
Role = models.TextChoices("Role", [(key, (word, word)) for key, word in BYLINE_ROLES.items()])


class CreditBase(models.Model):
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.REPORTER)
    staff = models.BooleanField(
        "本报人员", default=False, help_text="署名带“本报”,如本报记者、本报特约通讯员。"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.role_label} {self.person}"

    @property
    def role_label(self):
        """How the paper prints the role: 本报记者, 通讯员. 作者 is implied by a bare name."""
        if self.role == Role.AUTHOR:
            return ""
        return f"本报{self.role}" if self.staff else self.role


class Credit(CreditBase):
    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="credits"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="credits"
    )

    class Meta(CreditBase.Meta):
        verbose_name = "署名"
        verbose_name_plural = "署名"
        indexes = [models.Index(fields=["person", "article"], name="credit_person_article_idx")]


class ArticleEvent(models.Model):
    """One step of an article's workflow: who did what, when."""

    class Action(models.TextChoices):
        CREATED = "created", "创建"
        SUBMITTED = "submitted", "提交审核"
        RETURNED = "returned", "退回修改"
        PUBLISHED = "published", "发布"
        SCHEDULED = "scheduled", "定时发布"
        WITHDRAWN = "withdrawn", "撤稿"
        CORRECTED = "corrected", "更正"

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "流程记录"
        verbose_name_plural = "流程记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["article", "at"], name="event_article_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"


class Correction(models.Model):
    """A dated correction (更正) appended to a published article, shown under it."""

    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField("更正内容")
    created_at = models.DateTimeField("更正时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更正人",
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = "更正"
        verbose_name_plural = "更正"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} 更正"


@dataclass
class Picture:
    """A photo or a 版's page image as the public page shows it (Photo.picture(),
    PrintPage.picture())."""

    src: str
    width: int | None
    height: int | None
    srcset: str = ""
    webp_srcset: str = ""

    @classmethod
    def of(cls, renditions):
        """From {width: {"height", "jpeg", "webp"}} (narrowest first): the widest JPEG as the
        fallback, every width in the JPEG and WebP srcsets."""
        widest = max(renditions)

        def srcset(kind):
            return ", ".join(
                f"{default_storage.url(entry[kind])} {width}w"
                for width, entry in renditions.items()
            )

        return cls(
            src=default_storage.url(renditions[widest]["jpeg"]),
            width=widest,
            height=renditions[widest]["height"],
            srcset=srcset("jpeg"),
            webp_srcset=srcset("webp"),
        )


class Photo(models.Model):
    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="photos"
    )
    image = PhotoImageField(
        "图片文件",
        upload_to="photos/%Y/%m/",
        blank=True,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField("宽度", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高度", null=True, blank=True, editable=False)
    renditions = models.JSONField(
        "缩放版本",
        default=dict,
        blank=True,
        editable=False,
        help_text="宽度 → WebP 与 JPEG 文件,上传后由后台任务生成(articles/images.py)。",
    )
    caption = models.TextField("图片说明")
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.caption[:40]

    def save(self, *args, **kwargs):
        stored = (
            Photo.objects.filter(pk=self.pk).values("image", "renditions").first()
            if self.pk
            else None
        )
        super().save(*args, **kwargs)
        if stored and stored["image"] != self.image.name:
            # Replaced or removed: the old original and its renditions go once this commits.
            delete_files_on_commit([stored["image"], *rendition_paths(stored["renditions"])])

    def stored_files(self):
        """The original and every rendition this row records, for deleting them with it."""
        return [self.image.name, *rendition_paths(self.renditions)]

    def needs_renditions(self):
        """An image whose renditions have not been made (the task makes them after commit),
        or were made before they came as WebP and JPEG ({width: path})."""
        if not self.image:
            return False
        sizes = self.renditions.get("sizes", {}).values()
        made = self.renditions.get("source") == self.image.name
        return not made or any(not isinstance(entry, dict) for entry in sizes)

    def current_renditions(self):
        """{width: {"height", "jpeg", "webp"}} of the current image, narrowest first.

        Empty until the task has made them, and for renditions of an image since replaced.
        """
        if not self.image or self.needs_renditions():
            return {}
        sizes = self.renditions.get("sizes", {})
        return {int(width): sizes[width] for width in sorted(sizes, key=int)}

    def picture(self):
        """What the public page's <picture> shows: renditions, or the original until made."""
        renditions = self.current_renditions()
        if not renditions:
            return Picture(src=self.image.url, width=self.width, height=self.height)
        return Picture.of(renditions)

    def share_url(self):
        """The image for og:image and JSON-LD: the widest JPEG rendition (at most 1600 px),
        the original only until renditions are made."""
        renditions = self.current_renditions()
        if renditions:
            return default_storage.url(renditions[max(renditions)]["jpeg"])
        return self.image.url if self.image else ""

    def credit_line(self):
        """`本报特约通讯员 胡建华 摄`, as printed under the photo."""
        byline = format_byline(self.credits.all())
        return f"{byline} 摄" if byline else ""


class PhotoCredit(CreditBase):
    photo = models.ForeignKey(
        Photo, verbose_name="图片", on_delete=models.CASCADE, related_name="credits"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="photo_credits"
    )

    class Meta(CreditBase.Meta):
        verbose_name = "图片署名"
        verbose_name_plural = "图片署名"


class PrintPageQuerySet(models.QuerySet):
    def public(self):
        """版 readers may see: rendered, of an issue with published articles (an issue being
        laid out tonight shows nothing until its first story is out)."""
        issues = Issue.objects.with_published_articles().values("pk")
        return self.filter(issue__in=issues).exclude(renditions={})


class PrintPage(models.Model):
    """One 版 of an issue as printed: its PDF, and the page images rendered from it.

    The images are made off the request by a task (articles/epaper/rendering.py) and recorded
    as {"source": the PDF they came from, "sizes": {width: {"height", "jpeg", "webp"}}}; until
    then the 版 is not shown to readers.
    """

    issue = models.ForeignKey(
        Issue, verbose_name="报纸期次", on_delete=models.CASCADE, related_name="print_pages"
    )
    number = models.PositiveSmallIntegerField(
        "版次", validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    name = models.CharField("版名", max_length=50, blank=True, help_text="如 要闻、乡村振兴。")
    pdf = models.FileField("版面 PDF", upload_to="epaper/%Y/%m/")
    width = models.FloatField("宽度(磅)", default=0, editable=False)
    height = models.FloatField("高度(磅)", default=0, editable=False)
    renditions = models.JSONField("版面图片", default=dict, blank=True, editable=False)
    render_error = models.CharField("生成图片出错", max_length=200, blank=True, editable=False)
    # The zone editor's optimistic lock: a save names the version it started from.
    zones_version = models.PositiveIntegerField("区域版本", default=0, editable=False)
    # What the page printed when zones were last proposed (a digest of its text and layout):
    # the same page rendered or uploaded again proposes nothing, so a proposal the editor
    # deleted stays deleted.
    zones_proposed_from = models.CharField(max_length=255, blank=True, editable=False)

    objects = PrintPageQuerySet.as_manager()

    class Meta:
        verbose_name = "版面"
        verbose_name_plural = "版面(数字报)"
        ordering = ["issue", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "number"],
                name="print_page_unique_number",
                violation_error_message="这一期已经有这个版次了。",
            ),
        ]

    def __str__(self):
        name = f" {self.name}" if self.name else ""
        return f"{self.issue.date:%Y年%m月%d日} 第{self.number:02d}版{name}"

    @transaction.atomic
    def save(self, *args, **kwargs):
        # Locked: two replacements at once must each see the file the other replaced.
        stored = (
            PrintPage.objects.select_for_update()
            .filter(pk=self.pk)
            .values("pdf", "renditions")
            .first()
            if self.pk
            else None
        )
        if stored and stored["pdf"] != self.pdf.name:
            # A new PDF: the old images must not be shown for it; they go with the old file
            # once this commits, and the task renders the new one.
            self.renditions, self.render_error = {}, ""
            delete_files_on_commit([stored["pdf"], *rendition_paths(stored["renditions"])])
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "articles:epaper_page",
            kwargs={"date": self.issue.date.isoformat(), "number": self.number},
        )

    @property
    def label(self):
        """`第01版 要闻`, as the paper prints it."""
        return f"第{self.number:02d}版 {self.name}".strip()

    def stored_files(self):
        return [self.pdf.name, *rendition_paths(self.renditions)]

    def needs_rendering(self):
        return bool(self.pdf) and self.renditions.get("source") != self.pdf.name

    def current_renditions(self):
        """{width: {"height", "jpeg", "webp"}} of the current PDF, narrowest first."""
        if not self.pdf or self.needs_rendering():
            return {}
        sizes = self.renditions.get("sizes", {})
        return {int(width): sizes[width] for width in sorted(sizes, key=int)}

    def picture(self, largest=None):
        """The page image as a <picture> shows it, up to `largest` pixels wide; None until
        rendered."""
        renditions = self.current_renditions()
        if largest:
            renditions = {w: e for w, e in renditions.items() if w <= largest} or renditions
        return Picture.of(renditions) if renditions else None

    def thumbnail(self):
        return self.picture(largest=THUMBNAIL_WIDTH)


# The 版 list's thumbnails; the page image comes in these widths and this one.
THUMBNAIL_WIDTH = 240


class PageZone(models.Model):
    """Where an article stands on a 版: rectangles in fractions of the page's width and height
    from its top left corner, [[x, y, w, h], …], so they fit the page image at any size."""

    page = models.ForeignKey(
        PrintPage, verbose_name="版面", on_delete=models.CASCADE, related_name="zones"
    )
    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="zones"
    )
    rects = models.JSONField("区域")
    # Proposed from the PDF's text and not yet touched by an editor: a new PDF may replace it.
    proposed = models.BooleanField("自动识别", default=False)

    class Meta:
        verbose_name = "版面区域"
        verbose_name_plural = "版面区域"
        ordering = ["page", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "article"], name="page_zone_unique_article"),
        ]

    def __str__(self):
        return f"{self.page} · {self.article.headline}"

    def bounds(self):
        """The smallest rectangle holding every part of the zone, as [x, y, w, h]."""
        left = min(x for x, _, _, _ in self.rects)
        top = min(y for _, y, _, _ in self.rects)
        right = max(x + w for x, _, w, _ in self.rects)
        bottom = max(y + h for _, y, _, h in self.rects)
        return [left, top, right - left, bottom - top]


class ContentState(models.Model):
    """One row: the generation of everything readers see, shared by every process.

    Every change to public content takes the next generation and records what it
    touched as a ContentChange (articles/page_cache.py); `next_due` is when the next
    scheduled article goes public, which is a change too. Changes older than
    `pruned_through` have been deleted: a process that knew less than that forgets
    everything it cached before it.
    """

    generation = models.BigIntegerField("内容版本", default=1)
    changed_at = models.DateTimeField("最近变动", default=timezone.now)
    next_due = models.DateTimeField("下一篇定时稿件的发布时间", null=True, blank=True)
    pruned_through = models.BigIntegerField("已清理到的版本", default=0)
    navigation = models.CharField(
        "栏目导航摘要",
        max_length=64,
        blank=True,
        help_text="有已发布稿件的栏目:变了就是全站的变动(每页都显示栏目导航)。",
    )

    class Meta:
        verbose_name = "内容版本"
        verbose_name_plural = "内容版本"

    def __str__(self):
        return f"第 {self.generation} 版"


class ContentChange(models.Model):
    """One committed change: its generation and the cache tags of the pages it may alter.

    Tags name what a page shows (articles/page_cache.py): "a:12" article 12, "i:3" the
    articles of issue 3, "s:…", "p:…", "t:…" for columns, people and tags, "lists" for
    the site-wide lists, "text" for any article text, "*" for everything.
    """

    generation = models.BigIntegerField("内容版本", unique=True)
    tags = models.JSONField("缓存标签", default=list)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "内容变动"
        verbose_name_plural = "内容变动"

    def __str__(self):
        return f"第 {self.generation} 版:{' '.join(self.tags)}"


class DeskRemoval(models.Model):
    """An imported article the desk deleted: re-importing its issue must not bring it back."""

    issue = models.ForeignKey(
        Issue, verbose_name="报纸期次", on_delete=models.CASCADE, related_name="desk_removals"
    )
    headline = models.CharField("标题", max_length=200)
    import_fingerprint = models.CharField("导入指纹", max_length=64, blank=True)
    # Recognises the story when the source retitles it: the same opening words.
    opening = models.CharField("正文开头", max_length=100, blank=True)
    removed_at = models.DateTimeField("删除时间", default=timezone.now)

    class Meta:
        verbose_name = "已删除的导入稿件"
        verbose_name_plural = "已删除的导入稿件"
        indexes = [models.Index(fields=["issue", "headline"], name="removal_issue_headline_idx")]

    def __str__(self):
        return self.headline


def people_with_published_work():
    """People credited on a published article, in its byline or for one of its photos.

    Here rather than on Person: `people` is a leaf app that knows nothing of articles.
    """
    published = Article.objects.published()
    return Person.objects.filter(
        Exists(Credit.objects.filter(person=OuterRef("pk"), article__in=published))
        | Exists(PhotoCredit.objects.filter(person=OuterRef("pk"), photo__article__in=published))
    )


class IssueImport(models.Model):
    """One print issue imported from the admin: the source, the editor's corrections, the outcome.

    The source is kept while the editor reviews it, so each correction parses the
    file again rather than editing a half-imported issue; confirming queues the
    import (articles/tasks.py), which runs the same code as `manage.py import_issue`.
    """

    class Status(models.TextChoices):
        REVIEWING = "reviewing", "待确认"
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导入"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    date = models.DateField("出版日期", validators=[DateInRange()])
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    source_name = models.CharField("源文件名", max_length=255, blank=True)
    source_text = models.TextField("源文件内容")
    source_sha256 = models.CharField("源文件 SHA-256", max_length=64)
    publish = models.BooleanField("导入后立即发布", default=False)
    keep_punctuation = models.BooleanField("保留原标点", default=False)
    known_sections = models.JSONField(
        "已有栏目",
        default=list,
        blank=True,
        help_text="上传时已有的栏目名:核对页和后台导入都按这份名单解析,结果才一致。",
    )
    decisions = models.JSONField(
        "编辑的更正",
        default=dict,
        blank=True,
        help_text="源文件行号 → 这一行应读作什么(标题、栏目、备注……)。",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.REVIEWING
    )
    articles_total = models.PositiveIntegerField("稿件数", default=0)
    report = models.JSONField("导入结果", default=dict, blank=True, encoder=UnicodeJSONEncoder)
    error = models.TextField("失败原因", blank=True)
    issue = models.ForeignKey(
        Issue,
        verbose_name="报纸期次",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "版面导入"
        verbose_name_plural = "版面导入"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.date:%Y年%m月%d日} {self.source_name}"

    def line_decisions(self):
        """The editor's corrections keyed by line number, as the parser takes them."""
        return {int(line): kind for line, kind in self.decisions.items()}


# Revision history (django-reversion): an article's revision carries its credits and photos.
# Workflow state is not content: ArticleAdmin puts WORKFLOW_FIELDS back after a restore,
# so restoring a revision never publishes, unpublishes or rewinds the version number.
WORKFLOW_FIELDS = [
    "status",
    "published_at",
    "withdrawn_reason",
    "corrected_at",
    "version",
    "created_by_id",
    "updated_by_id",
    "created_at",
    "import_fingerprint",
    "preview_key",
]
reversion.register(Credit)
reversion.register(PhotoCredit)
reversion.register(TaggedItem)
reversion.register(Photo, follow=["credits"])
reversion.register(Article, follow=["credits", "photos", "tagged_items"])
