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
def figure_terms():
    """What each figure counts (reports.glossary), in the page's language: `{% figure_terms as terms %}`."""
    from motcua.reports.glossary import terms

    return terms()
