"""Bulk import (checked by a dry run first, applied whole or not at all) and export of
places, staff, road chiefs, the catalogue and the calendar."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.services.admin import calendar as calendar_admin
from app.services.admin import catalogue as catalogue_admin
from app.services.admin import imports, people

IMPORT_KINDS = ("areas", "staff", "road_chiefs", "catalogue", "calendar")


@bp.get("/import")
def import_page():
    return render_template("admin/import.html", kinds=IMPORT_KINDS,
                           kind=request.args.get("kind", "staff"))


@bp.post("/import/<kind>")
def import_check(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to import."), "error")
        return redirect(url_for(".import_page", kind=kind))
    content = upload.read()
    report = imports.dry_run(current_user, kind, content, upload.filename)
    token = imports.stash(content) if report.ok else None
    return render_template("admin/import_report.html", report=report, kind=kind, token=token,
                           filename=upload.filename), 200 if report.ok else 422


@bp.post("/import/<kind>/apply")
def import_apply(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    token = request.form.get("token", "")
    filename = request.form.get("filename", "upload")[:100]
    content = imports.unstash(token)
    if content is None:
        flash(_("That upload has expired: choose the file again."), "error")
        return redirect(url_for(".import_page", kind=kind))
    report = imports.apply(current_user, kind, content, filename)
    if report.applied:
        imports.forget(token)
    return render_template("admin/import_report.html", report=report, kind=kind,
                           token=token if not report.applied and report.ok else None,
                           filename=filename), 200 if report.applied else 422


@bp.get("/export/<kind>.<fmt>")
def export(kind: str, fmt: str):
    import json

    if kind == "areas" and fmt == "geojson":
        body = json.dumps(imports.areas_geojson(), ensure_ascii=False, indent=1).encode()
        return _download(body, "areas.geojson", "application/geo+json")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if kind == "staff":
        rows = [imports.staff_row(u) for u in people.all_staff()]
        columns = imports.STAFF_COLUMNS
    elif kind == "road_chiefs":
        rows, columns = imports.chief_rows(), imports.CHIEF_COLUMNS
    elif kind == "catalogue":
        rows = [catalogue_admin.category_row(c) for c in catalogue_admin.categories()]
        columns = catalogue_admin.CATALOGUE_COLUMNS
    elif kind.startswith("calendar-") and kind[9:].isdigit():
        rows, columns = imports.calendar_rows(int(kind[9:])), calendar_admin.CALENDAR_COLUMNS
    else:
        abort(404)
    mimetype = "text/csv" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(imports.write_table(columns, rows, fmt), f"{kind}.{fmt}", mimetype)


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
