from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import FirstValue, Lag, Lead
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from newsroom.text import pinyin_slug, unique_slugs


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store Chinese as itself, not as \\uXXXX escapes, so SQLite can search it too."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Issue(models.Model):
    """One print issue (期) of a paper, as imported from its source file."""

    paper = models.CharField("报纸", max_length=50)
    date = models.DateField("出版日期")
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

    class Meta:
        verbose_name = "报纸期次"
        verbose_name_plural = "报纸期次"
        ordering = ["-date", "paper"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "date"], name="issue_unique_paper_date"),
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
        return reverse("articles:section_detail", kwargs={"slug": self.slug})


# How a print issue is read: page by page, then in layout order.
PRINT_ORDER = [F("page_number").asc(nulls_last=True), F("position").asc(), F("pk").asc()]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of what readers may see."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

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

    def with_issue_neighbours(self, pk):
        """Article `pk` annotated with the previous and next article of its issue, in one query.

        The window runs over the article's issue only (the subquery keeps the
        scan to that issue); filtering on a window expression makes Django
        apply it after the window is computed, so the neighbours survive.
        """
        same_issue = Article.objects.filter(pk=pk).values("issue")[:1]

        def over_issue(expression):
            return models.Window(expression, partition_by=[F("issue")], order_by=PRINT_ORDER)

        return (
            self.filter(Q(issue=Subquery(same_issue)) | Q(pk=pk))
            .annotate(
                previous_pk=over_issue(Lag("pk")),
                previous_slug=over_issue(Lag("slug")),
                previous_headline=over_issue(Lag("headline")),
                next_pk=over_issue(Lead("pk")),
                next_slug=over_issue(Lead("slug")),
                next_headline=over_issue(Lead("headline")),
                row_pk=models.Window(FirstValue("pk"), partition_by=[F("pk")]),
            )
            .filter(row_pk=pk)
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

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
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    tags = TaggableManager("标签", blank=True)
    import_notes = models.JSONField(
        "导入备注",
        default=list,
        blank=True,
        encoder=UnicodeJSONEncoder,
        help_text="导入时发现、需要编辑核对的内容(如排版夹入正文的标题)。",
    )
    import_fingerprint = models.CharField(
        "导入指纹",
        max_length=64,
        blank=True,
        editable=False,
        help_text="上次导入时内容的哈希值,用于判断编辑是否改过这篇稿件。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-published_at", "position", "pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published_idx"),
            models.Index(fields=["section", "-published_at"], name="article_section_published_idx"),
            models.Index(fields=["issue", "position"], name="article_issue_position_idx"),
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = pinyin_slug(self.headline)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def neighbour(self, which):
        """The previous or next article of the issue, as annotated by with_issue_neighbours()."""
        pk = getattr(self, f"{which}_pk", None)
        if pk is None:
            return None
        return {
            "headline": getattr(self, f"{which}_headline"),
            "url": reverse(
                "articles:detail", kwargs={"pk": pk, "slug": getattr(self, f"{which}_slug")}
            ),
        }

    @property
    def previous_in_issue(self):
        return self.neighbour("previous")

    @property
    def next_in_issue(self):
        return self.neighbour("next")

    @property
    def summary(self):
        """The first paragraph, cut to a length search engines and WeChat cards show."""
        text = self.paragraphs[0] if self.paragraphs else ""
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


class Role(models.TextChoices):
    REPORTER = "记者", "记者"
    SPECIAL_REPORTER = "特约记者", "特约记者"
    PHOTOGRAPHER = "摄影记者", "摄影记者"
    CORRESPONDENT = "通讯员", "通讯员"
    SPECIAL_CORRESPONDENT = "特约通讯员", "特约通讯员"
    INTERN = "实习生", "实习生"
    AUTHOR = "作者", "作者"
    EDITOR = "编辑", "编辑"


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


class Photo(models.Model):
    article = models.ForeignKey(
        Article, verbose_name="稿件", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField("图片文件", upload_to="photos/%Y/%m/", blank=True)
    caption = models.TextField("图片说明")
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.caption[:40]

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
