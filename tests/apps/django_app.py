"""Django with its ORM on SQLite, served by ``runserver --noreload`` (SIGTERM keeps its default action)."""

import logging
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djshop.settings")
sys.modules.setdefault("django_app", sys.modules[__name__])  # ROOT_URLCONF: this file, even run as __main__

import telemetry  # noqa: E402

telemetry.setup("django", "sqlite3")
django.setup()

from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from djshop.models import Order  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("shop")


def health(request):
    return JsonResponse({"ok": True})


def order(request, order_id: int):
    email = request.GET.get("email", "")
    Order.objects.update_or_create(id=order_id, defaults={"email": email, "card": "4111111111111111"})
    rows = Order.objects.filter(email=email).count()
    with connection.cursor() as cursor:  # a raw statement with a literal, as careless code writes it
        cursor.execute(f"SELECT id FROM orders WHERE email = '{email}'")
    log.info("order %s looked up for %s", order_id, email)
    return JsonResponse({"order": order_id, "rows": rows})


urlpatterns = [path("health", health), path("orders/<int:order_id>", order)]

if __name__ == "__main__":
    with connection.schema_editor() as editor:
        if "orders" not in connection.introspection.table_names():
            editor.create_model(Order)
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", *sys.argv[1:], "--noreload", "--skip-checks"])
