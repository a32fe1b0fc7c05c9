import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Show every page in the signed-in user's language and time zone.

    Runs after LocaleMiddleware, so a signed-in user's saved choice beats the browser's Accept-Language;
    anonymous visitors keep the language cookie or the browser's preference.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
