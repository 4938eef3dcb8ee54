"""The e-paper's upload forms: one 版, or a whole issue's PDF to be split into 版."""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from articles.epaper import isolation
from articles.models import Issue, PrintPage


def _limits():
    return {"max_pages": settings.NEWSROOM_EPAPER_MAX_PAGES}


def _size_help():
    return f"不超过 {isolation.max_bytes() // 1024 // 1024} MB,不能加密。"


class PrintPageForm(forms.ModelForm):
    """One 版: its issue, number, name and a one-page PDF, checked in full before it is stored."""

    class Meta:
        model = PrintPage
        fields = ["issue", "number", "name", "pdf"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdf"].help_text = "单页 PDF。" + _size_help()
        self.fields["pdf"].widget.attrs["accept"] = "application/pdf,.pdf"

    def clean_pdf(self):
        file = self.cleaned_data["pdf"]
        if isinstance(file, UploadedFile):
            isolation.run("check", isolation.read_upload(file), single_page=True, **_limits())
        return file


class IssuePdfForm(forms.Form):
    """A whole issue's PDF, one page per 版."""

    issue = forms.ModelChoiceField(label="报纸期次", queryset=Issue.objects.all())
    pdf_file = forms.FileField(
        label="整期 PDF",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdf_file"].help_text = (
            "每页一个版,按页眉印的版次(如 第03版)编号,没有则按页序;已有的同号版会被替换。"
            + _size_help()
        )

    def clean_pdf_file(self):
        file = self.cleaned_data["pdf_file"]
        self.pdf_data = isolation.read_upload(file)
        self.pdf_info = isolation.run("check", self.pdf_data, **_limits())
        return file
