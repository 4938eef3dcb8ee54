"""Helpers for Chinese text shared by the apps: pinyin slugs and sort keys."""

import re

from django.utils.text import slugify
from pypinyin import Style, lazy_pinyin


def pinyin_slug(text, max_length=60):
    """ASCII slug from Chinese text: 我市新建5G基站 → wo-shi-xin-jian-5g-ji-zhan.

    Pinyin keeps shared links readable in WeChat and browsers, where a
    Chinese slug turns into a long run of %E6%88%91 escapes.
    """
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    slug = slugify("-".join(syllables))
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "item"


def pinyin_sort_key(text):
    """Key that orders Chinese names as a reader expects (by pinyin, then by the characters)."""
    return " ".join(lazy_pinyin(text, style=Style.TONE3, errors="default")).lower()[:200]
