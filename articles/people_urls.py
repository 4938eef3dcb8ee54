"""Person pages and their feeds, under /people/ with the `people` namespace.

They live with the articles because they list articles; `people` itself stays a leaf.
"""

from django.urls import path

from articles import views
from articles.feeds import PersonAtomFeed, PersonFeed

app_name = "people"

urlpatterns = [
    path("", views.PeopleIndexView.as_view(), name="index"),
    path("<slug:slug>/", views.PersonDetailView.as_view(), name="detail"),
    path("<slug:slug>/rss/", PersonFeed(), name="rss"),
    path("<slug:slug>/atom/", PersonAtomFeed(), name="atom"),
]
