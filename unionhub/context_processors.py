from django.conf import settings

from unionhub.lib import clock


def business_date(request):
    return {"business_date": clock.today(), "business_date_fixed": bool(settings.UNIONHUB_TODAY)}


def training_banner(request):
    return {"training_banner": settings.UNIONHUB_TRAINING_BANNER}
