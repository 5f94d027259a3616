"""Template helpers of the buying-group pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if(name, *args):
    """The URL of a page of another area, or '' while that page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
