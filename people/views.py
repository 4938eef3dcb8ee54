from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.models import Article, Credit, Photo
from people.models import Person


class PersonDetailView(ListView):
    """A person's page: who they are and their published work, with their role in each."""

    template_name = "people/person_detail.html"
    paginate_by = 20
    # Someone with no published work has no public page: drafts must not reveal them.
    allow_empty = False

    def get_queryset(self):
        self.person = get_object_or_404(Person, slug=self.kwargs["slug"])
        own_credits = Credit.objects.filter(person=self.person)
        own_photos = Photo.objects.filter(credits__person=self.person).distinct()
        return (
            Article.objects.published()
            .credited_to(self.person)
            .select_related("section")
            .prefetch_related(
                Prefetch("credits", queryset=own_credits, to_attr="own_credits"),
                Prefetch("photos", queryset=own_photos, to_attr="own_photos"),
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)
