from django import forms

from articles.search import MAX_QUERY_LENGTH


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
