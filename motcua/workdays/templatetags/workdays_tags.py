"""The notice that a year's days off are the Labour Code's rule, not yet the announced schedule (staff inbox and
admin index): appointments falling in that year are likely wrong until an operator records the schedule."""

from django import template

from motcua.workdays.services import may_override, unconfirmed_years

register = template.Library()


@register.inclusion_tag("workdays/_unconfirmed_years.html", takes_context=True)
def unconfirmed_calendar(context, admin=False):
    request = context.get("request")
    user = getattr(request, "user", None)
    years = unconfirmed_years() if user is not None and user.is_authenticated and user.is_active else []
    # the admin's add page for those who may record an override there; the others are told whom to ask
    # (the national calendar's: a superuser or a top-level agency's administrator, services.may_override)
    link = bool(years) and user.is_staff and may_override(user, "")
    return {"years": years, "link": link, "admin": admin}
