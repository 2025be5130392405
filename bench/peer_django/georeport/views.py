"""GeoReport v2 ``requests.json`` (the list and one record), as a Django developer
would write it: one ``values()`` query with its joins, JsonResponse."""

from datetime import timedelta

from django.http import JsonResponse
from django.utils import timezone

from peer_django.georeport.models import Case

CLOSED = {"closed", "rejected", "merged"}
PAGE_SIZE_MAX = 1000
FIELDS = ("code", "state", "category__code", "category__name_zh", "district__name_zh",
          "created_at", "updated_at", "due_at", "area__name_zh", "area__code", "lat", "lng")


def w3c(moment):
    return None if moment is None else timezone.localtime(moment).isoformat(
        timespec="seconds")


def record(row: dict) -> dict:
    code, district = row["code"], row["district__name_zh"]
    return {
        "service_request_id": f"{code[:4]}-{code[4:]}",
        "status": "closed" if row["state"] in CLOSED else "open",
        "status_notes": row["state"],
        "service_name": row["category__name_zh"],
        "service_code": row["category__code"],
        "description": None,
        "agency_responsible": f"{district}指挥中心" if district else None,
        "service_notice": None,
        "requested_datetime": w3c(row["created_at"]),
        "updated_datetime": w3c(row["updated_at"]),
        "expected_datetime": w3c(row["due_at"]),
        "address": row["area__name_zh"],
        "address_id": row["area__code"],
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lng"],
        "media_url": None,
    }


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], safe=False,
                        status=status)


def _whole(request, name: str, default: int, high: int) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if 1 <= value <= high else None


def request_list(request):
    page_size = _whole(request, "page_size", PAGE_SIZE_MAX, PAGE_SIZE_MAX)
    page = _whole(request, "page", 1, 10**6)
    if page_size is None or page is None:
        return _error(400, "page and page_size must be whole numbers in range.")
    now = timezone.now()
    start = (page - 1) * page_size
    rows = (Case.objects
            .filter(created_at__gte=now - timedelta(days=90), created_at__lte=now)
            .order_by("-created_at", "-id")
            .values(*FIELDS)[start:start + page_size])
    return JsonResponse([record(r) for r in rows], safe=False,
                        json_dumps_params={"ensure_ascii": False})


def request_detail(request, service_request_id: str):
    code = service_request_id.replace("-", "").upper()
    row = Case.objects.filter(code=code).values(*FIELDS).first()
    if row is None:
        return _error(404, "service_request_id not found.")
    return JsonResponse([record(row)], safe=False, json_dumps_params={"ensure_ascii": False})
