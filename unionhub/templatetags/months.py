"""{% load months %}: {{ 4|month_name }} → "4月" or "April"."""

from django import template

from unionhub.lib import months

register = template.Library()


@register.filter
def month_name(number) -> str:
    return months.month_name(number)
