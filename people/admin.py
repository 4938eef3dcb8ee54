from django.contrib import admin
from django.db.models import Count

from people.models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "credit_count"]
    search_fields = ["name", "slug"]
    readonly_fields = ["sort_key", "created_at", "updated_at"]
    # `user`: a desk account linked here can byline itself and filter “署我名的”.
    fields = ["name", "slug", "user", "bio", "portrait", "sort_key", "created_at", "updated_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering; pagination needs a stable order.
        queryset = super().get_queryset(request).annotate(credit_count=Count("credits"))
        return queryset.order_by("sort_key", "pk")

    @admin.display(description="署名次数", ordering="credit_count")
    def credit_count(self, person):
        return person.credit_count
