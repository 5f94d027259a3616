from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse


@login_required
def home(request):
    """Land on the most useful area that is built: target accounts, else accounts."""
    for name in ("targets:index", "accounts:account_list"):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("admin:index")


def healthz(request):
    """Liveness for load balancers and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
