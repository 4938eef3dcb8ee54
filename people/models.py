from django.conf import settings
from django.db import models

from newsroom.links import link
from newsroom.text import pinyin_sort_key, unique_slugs


class Person(models.Model):
    """A reporter, correspondent, photographer or contributor: anyone credited on the paper.

    One person may appear in many roles (记者 on one story, 摄影 on
    another), so the role lives on the credit, not here.
    """

    name = models.CharField("姓名", max_length=50, db_index=True)
    slug = models.SlugField("网址标识", max_length=80, unique=True, blank=True)
    sort_key = models.CharField("拼音排序", max_length=200, editable=False, db_index=True)
    bio = models.TextField("简介", blank=True)
    portrait = models.ImageField("头像", upload_to="people/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        help_text="本人在编辑部后台的账号,用于“署我名的”筛选。",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["sort_key", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.sort_key = pinyin_sort_key(self.name)
        if not self.slug:
            self.slug = unique_slugs(type(self), [self.name], max_length=70)[self.name]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("people:detail", slug=self.slug)
