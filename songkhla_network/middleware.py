from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every page the app renders is kept by neither the browser nor a proxy: phones are shared,
    and the back button must show the sheet as it is now, not as it was before posting. Static
    files are served earlier, by WhiteNoise, and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
