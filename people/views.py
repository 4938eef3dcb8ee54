from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models import Article, Credit
from people.models import Person


class PersonDetailView(ListView):
    """A person's page: who they are and their published work, with their role in each."""

    template_name = "people/person_detail.html"
    paginate_by = 20

    def get_queryset(self):
        self.person = get_object_or_404(Person, slug=self.kwargs["slug"])
        own_credits = Credit.objects.filter(person=self.person)
        return (
            Article.objects.published()
            .filter(credits__person=self.person)
            .distinct()
            .select_related("section", "issue")
            .prefetch_related(Prefetch("credits", queryset=own_credits, to_attr="own_credits"))
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)
