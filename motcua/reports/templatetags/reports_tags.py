"""`{% load reports_tags %}`: `{{ stats.received|num }}` writes a count as the page's language writes numbers —
4.466 in Vietnamese, 4,466 in English (as the PDF report does); Django groups digits only when asked, and would
print 4466. Anything not a number (None, '—') is written as it is."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def num(value):
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return number_format(value, force_grouping=True)


@register.simple_tag
def figure(stats, key, urls=None):
    """A count of `stats` marked `data-figure="<key>"`, linked to the dossiers behind it when `urls` (kind → the
    list's address, the staff pages') has one: an overseer follows any figure to its dossiers."""
    from django.utils.html import format_html

    value = num(stats.get(key)) if hasattr(stats, "get") else ""
    url = (urls or {}).get(key)
    if url:
        return format_html('<a href="{}" data-figure="{}">{}</a>', url, key, value)
    return format_html('<span data-figure="{}">{}</span>', key, value)


@register.simple_tag
def count_link(row, key, urls=None):
    """A table cell's count of `row`, linked to its dossiers when there are any and `urls` has the list."""
    from django.utils.html import format_html

    value = row.get(key) if hasattr(row, "get") else None
    url = (urls or {}).get(key)
    if url and value:
        return format_html('<a href="{}">{}</a>', url, num(value))
    return num(value) if value is not None else ""


@register.simple_tag
def figure_terms():
    """What each figure counts (reports.glossary), in the page's language: `{% figure_terms as terms %}`."""
    from motcua.reports.glossary import terms

    return terms()
