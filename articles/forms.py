"""The forms of the readers' search and of the editors' desk."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.utils import timezone
from taggit.models import Tag

from articles import revisions, sources, workflow
from articles.body import body_to_text, text_to_body
from articles.models import Article, Photo, PhotoCredit, Role
from articles.search import MAX_QUERY_LENGTH
from people.models import Person

Status = Article.Status


class SearchForm(forms.Form):
    """The reader's search box and its filters. Bad values are reported, never a 500."""

    q = forms.CharField(label="关键词", required=False)
    section = forms.SlugField(label="栏目", required=False)
    person = forms.SlugField(label="作者", required=False)
    start = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())[:MAX_QUERY_LENGTH]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", "截止日期不能早于起始日期。")
        return cleaned


class BodyField(forms.CharField):
    """The body as the desk types it (articles/body.py): changed only if its blocks changed."""

    def has_changed(self, initial, data):
        return text_to_body(initial or "") != text_to_body(data or "")


class ArticleForm(forms.ModelForm):
    body = BodyField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField article-body-editor"}),
        help_text="段落之间空一行;小标题以“### ”开头;**加粗**;[链接文字](https://网址)。",
    )
    tags = forms.ModelMultipleChoiceField(
        label="标签",
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
    )
    new_tags = forms.CharField(
        label="新标签", required=False, help_text="要新建的标签,用逗号分隔。"
    )
    clear_import_notes = forms.BooleanField(label="导入备注已核对,清除", required=False)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    user = None  # set per request by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = [
            "kicker",
            "headline",
            "subheadline",
            "section",
            "dateline",
            "body",
            "issue",
            "position",
            "page_number",
            "page_name",
            "status",
            "published_at",
            "withdrawn_reason",
            "slug",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["edit_version"] = self.instance.version
        if self.instance.pk:
            self.initial["body"] = body_to_text(self.instance.body)
        if not self.instance.import_notes:
            self.fields.pop("clear_import_notes")
        if "status" in self.fields and self.user is not None:
            allowed = workflow.allowed_statuses(self.user, self.instance)
            self.fields["status"].choices = [c for c in Status.choices if c[0] in allowed]

    def clean_body(self):
        return text_to_body(self.cleaned_data["body"])

    def clean_new_tags(self):
        raw = self.cleaned_data["new_tags"].replace(",", ",").replace("、", ",")
        return [name.strip() for name in raw.split(",") if name.strip()]

    def clean(self):
        cleaned = super().clean()
        self.check_for_conflict()
        status = cleaned.get("status")
        if status == Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        if status == Status.WITHDRAWN and not (cleaned.get("withdrawn_reason") or "").strip():
            self.add_error("withdrawn_reason", "撤稿需要写明原因。")
        tags = list(cleaned.get("tags") or [])
        names = {t.name for t in tags}
        cleaned["tags"] = tags + [n for n in cleaned.get("new_tags", []) if n not in names]
        return cleaned

    def check_for_conflict(self):
        """Refuse a save based on an out-of-date copy, naming who saved in between."""
        if not self.instance.pk:
            return
        # Lock the row (no join: PostgreSQL cannot lock the nullable side of one).
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values("version", "updated_by_id", "updated_at")
            .first()
        )
        if current is None:
            return
        if revisions.is_restoring(self.instance):
            # The revision being restored is in the database for now; compare with what was there.
            current["version"] = self.instance.version
        submitted = self.cleaned_data.get("edit_version")
        if submitted == current["version"]:
            return
        editor = get_user_model().objects.filter(pk=current["updated_by_id"]).first()
        who = editor.get_username() if editor else "其他人"
        when = timezone.localtime(current["updated_at"]).strftime("%Y-%m-%d %H:%M:%S")
        # Their text stays in the form; the new version number lets them save it on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_version")] = current["version"]
        raise forms.ValidationError(
            f"保存失败:{who} 在 {when} 保存了这篇稿件,您打开之后它已被改动。"
            "您输入的内容仍在下面,没有丢失;请先在新窗口查看对方的修改,核对后再提交。",
            code="conflict",
        )

    def save(self, commit=True):
        if self.cleaned_data.get("clear_import_notes"):
            self.instance.import_notes = []
        return super().save(commit)


class PhotoInlineForm(forms.ModelForm):
    """A photo with its caption and, when it has none yet, its photographer's credit."""

    photographer = forms.CharField(
        label="摄影者", required=False, max_length=50, help_text="姓名;没有此人时自动新建。"
    )
    photographer_role = forms.ChoiceField(
        label="摄影者身份", choices=Role.choices, initial=Role.PHOTOGRAPHER, required=False
    )
    photographer_staff = forms.BooleanField(label="本报", required=False, initial=True)

    class Meta:
        model = Photo
        fields = ["position", "image", "caption"]

    def clean(self):
        cleaned = super().clean()
        has_credit = self.instance.pk and self.instance.credits.exists()
        new_photo = not self.instance.pk and (cleaned.get("image") or cleaned.get("caption"))
        if new_photo and not has_credit and not (cleaned.get("photographer") or "").strip():
            self.add_error("photographer", "请填写摄影者(图片必须署名)。")
        return cleaned

    def save_photographer(self):
        """After the photo is saved: credit the photographer named in the form, if any."""
        name = (self.cleaned_data.get("photographer") or "").strip()
        if not name or not self.instance.pk:
            return
        person = Person.objects.filter(name=name).order_by("pk").first()
        if person is None:
            person = Person.objects.create(name=name)
        PhotoCredit.objects.create(
            photo=self.instance,
            person=person,
            role=self.cleaned_data.get("photographer_role") or Role.PHOTOGRAPHER,
            staff=self.cleaned_data.get("photographer_staff", False),
            position=self.instance.credits.count(),
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤稿原因", widget=forms.Textarea(attrs={"rows": 3}))


class PhotoAdminForm(forms.ModelForm):
    """A photo edited on its own page: it may only go on an article its editor may edit."""

    user = None  # set per request by PhotoAdmin.get_form

    class Meta:
        model = Photo
        fields = ["article", "position", "image", "caption"]

    def clean_article(self):
        article = self.cleaned_data["article"]
        if self.user is not None and not workflow.can_edit(self.user, article):
            raise forms.ValidationError("您不能给这篇稿件添加或移入图片:记者只能修改自己的草稿。")
        return article


class ImportSourceForm(forms.Form):
    """The print issue's source, as an upload or pasted, with its date and number."""

    source_file = forms.FileField(
        label="源文件", required=False, help_text="版面文本文件,UTF-8 编码。"
    )
    source_text = forms.CharField(
        label="或粘贴全文", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    paper = forms.CharField(label="报纸", disabled=True, required=False)
    date = forms.CharField(
        label="出版日期", help_text="如 2022-12-20,全角数字或 2022年12月20日 也可以。"
    )
    number = forms.CharField(label="期号", required=False)
    publish = forms.BooleanField(label="导入后立即发布", required=False)
    keep_punctuation = forms.BooleanField(
        label="保留原标点",
        required=False,
        help_text="不勾选时,夹在中文里的半角标点(,;:?!.())会改为全角。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].initial = settings.NEWSROOM_PAPER_NAME
        self.fields[
            "source_file"
        ].help_text += f"不超过 {settings.NEWSROOM_IMPORT_MAX_BYTES // 1024 // 1024} MB。"

    def clean_date(self):
        return self._from_sources(sources.parse_issue_date, self.cleaned_data["date"])

    def clean_number(self):
        return self._from_sources(sources.parse_issue_number, self.cleaned_data["number"])

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("source_file"), cleaned.get("source_text", "").strip()
        if upload and pasted:
            raise forms.ValidationError("请只选一种:上传源文件,或粘贴全文。")
        if not upload and not pasted:
            raise forms.ValidationError("请上传源文件,或粘贴全文。")
        if upload:
            name = upload.name
            self._from_sources(sources.refuse_oversized, upload.size, name)
            data = upload.read()
        else:
            name, data = "粘贴的内容", pasted.encode()
        text, sha256 = self._from_sources(sources.decode_source, data, name)
        cleaned["source"] = (name, text, sha256)
        return cleaned

    def _from_sources(self, check, *args):
        try:
            return check(*args)
        except sources.SourceError as error:
            raise forms.ValidationError(str(error)) from None
