"""The site plus its uploaded files, for browser walks that must see page images: nginx serves
/media/ in production, and Django's own views do it only under DEBUG."""

from django.conf import settings
from django.conf.urls.static import static

from newsroom.urls import urlpatterns as site

urlpatterns = site + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
