"""The range of dates a newspaper's content can carry.

A year-1 publication time is stored by PostgreSQL as a BC timestamp that
psycopg cannot read back, which takes every page that lists it down. Every
writer (admin forms, the importer) checks dates against this range; the
database refuses anything outside a wider, fixed range as a last line.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible


def date_range():
    """(earliest, latest) from NEWSROOM_EARLIEST_DATE / NEWSROOM_LATEST_DATE."""
    return settings.NEWSROOM_EARLIEST_DATE, settings.NEWSROOM_LATEST_DATE


def out_of_range_message(value):
    earliest, latest = date_range()
    return f"日期超出范围:{value},应在 {earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d} 之间。"


@deconstructible
class DateInRange:
    """Validator for DateField and DateTimeField: the day (Beijing time) within date_range()."""

    def __call__(self, value):
        if value is None:
            return
        day = value
        if isinstance(value, datetime):
            day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        earliest, latest = date_range()
        if not earliest <= day <= latest:
            raise ValidationError(out_of_range_message(day), code="date_out_of_range")

    def __eq__(self, other):
        return isinstance(other, DateInRange)


def parse_setting_date(name, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} 应为 YYYY-MM-DD 格式的日期,收到 {value!r}") from None


def machine_time(value):
    """Beijing time as ISO 8601 to the second, for machines (<time datetime>, metadata, JSON-LD);
    "" for no time (a draft). HTML allows at most three fractional digits, and timestamps set by
    timezone.now() carry six."""
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()
