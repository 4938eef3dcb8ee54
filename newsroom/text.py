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


def unique_slugs(model, texts, max_length=60):
    """Pinyin slugs for new rows of `model`, unique in its table and among themselves.

    Namesakes (同名同姓 is common) get -2, -3…. One query however many rows:
    a single new row looks up its own prefix, a batch reads the table's slugs,
    which for people and columns stays small.
    """
    texts = list(texts)
    if not texts:
        return {}
    bases = [pinyin_slug(text, max_length=max_length) for text in texts]
    slugs = model.objects.values_list("slug", flat=True)
    if len(bases) == 1:
        slugs = slugs.filter(slug__startswith=bases[0])
    taken = set(slugs)
    result = {}
    for text, base in zip(texts, bases, strict=True):
        slug, counter = base, 2
        while slug in taken:
            slug = f"{base}-{counter}"
            counter += 1
        taken.add(slug)
        result[text] = slug
    return result
