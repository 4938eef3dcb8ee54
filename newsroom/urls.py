from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles.preview import shared_preview
from articles.sitemaps import SITEMAPS, news_sitemap, robots_txt
from newsroom import views

admin.site.site_header = f"{settings.NEWSROOM_PAPER_NAME} 编辑部"
admin.site.site_title = "Newsroom 编辑部"
admin.site.index_title = "稿件管理"

urlpatterns = [
    # Password reset by email, in the admin's look (Django's own views and templates, in Chinese).
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(extra_context={"site_header": admin.site.site_header}),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-news.xml", news_sitemap, name="news_sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz", views.healthz, name="healthz"),
    path("preview/<str:token>/", shared_preview, name="article_shared_preview"),
    path("people/", include("articles.people_urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
