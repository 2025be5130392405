"""The OpenAPI 3 description of /open311/v2, built from the same names the routes and
app.services.open311 use. Every method exists as ``.json`` and ``.xml``; XML answers are
described as text (their elements are those of the JSON, under the root the
specification names)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.models.case import DESCRIPTION_MAX
from app.services import open311


def _nullable(kind: str, **more) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **more}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
    "Errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
    "Discovery": {
        "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string"}, "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {"type": "array", "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string"}, "url": {"type": "string"},
                    "changeset": {"type": "string"},
                    "type": {"type": "string", "enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}}}}}}},
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type",
                     "keywords", "group"],
        "properties": {
            "service_code": {"type": "string"}, "service_name": {"type": "string"},
            "description": _nullable("string"), "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": _nullable("string"), "group": {"type": "string"}}},
    "ServiceDefinition": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {"type": "array", "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "datatype_description",
                             "order", "description", "values"],
                "properties": {
                    "variable": {"type": "boolean"}, "code": {"type": "string"},
                    "datatype": {"type": "string", "enum": [
                        "string", "number", "datetime", "text", "singlevaluelist",
                        "multivaluelist"]},
                    "required": {"type": "boolean"},
                    "datatype_description": _nullable("string"),
                    "order": {"type": "integer"}, "description": {"type": "string"},
                    "values": {"type": "array", "items": {
                        "type": "object", "required": ["key", "name"],
                        "properties": {"key": {"type": "string"},
                                       "name": {"type": "string"}}}}}}}}},
    "Accepted": {"type": "array", "items": {
        "type": "object", "required": ["service_request_id", "service_notice", "account_id"],
        "properties": {"service_request_id": {"type": "string"},
                       "service_notice": _nullable("string"),
                       "account_id": _nullable("string")}}},
    "ServiceRequests": {"type": "array", "items": {
        "type": "object",
        "required": ["service_request_id", "status", "status_notes", "service_name",
                     "service_code", "description", "agency_responsible", "service_notice",
                     "requested_datetime", "updated_datetime", "expected_datetime", "address",
                     "address_id", "zipcode", "lat", "long", "media_url"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _nullable("string"), "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": _nullable("string", description="Always empty: the reporter's "
                                     "own words are not published."),
            "agency_responsible": {"type": "string"}, "service_notice": _nullable("string"),
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "expected_datetime": _nullable("string", format="date-time"),
            "address": _nullable("string"), "address_id": _nullable("string"),
            "zipcode": _nullable("string"), "lat": _nullable("number"),
            "long": _nullable("number"), "media_url": _nullable("string"),
            "extended_attributes": {
                "type": "object", "description": "This server's own state of the case: "
                "a rejected or merged case is closed without being fixed.",
                "properties": {"state": {"type": "string"}, "state_name": {"type": "string"},
                               "merged_into": _nullable("string")}}}}},
    "Updates": {"type": "array", "items": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime",
                     "description", "media_url"],
        "properties": {
            "update_id": {"type": "string"}, "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["OPEN", "IN_PROGRESS", "FIXED", "CLOSED",
                                                  "DUPLICATE"]},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": "string"}, "media_url": _nullable("string")}}},
    "UpdateAccepted": {"type": "array", "items": {
        "type": "object", "required": ["update_id"],
        "properties": {"update_id": {"type": "string"}}}},
    "Tokens": {"type": "array", "items": {
        "type": "object", "required": ["service_request_id", "token"],
        "properties": {"service_request_id": {"type": "string"},
                       "token": {"type": "string"}}}},
}

CODE = {"type": "string", "pattern": "^[A-Za-z0-9-]{1,16}$"}


def _jurisdiction() -> dict[str, Any]:
    return {"name": "jurisdiction_id", "in": "query", "required": False,
            "schema": {"type": "string",
                       "enum": [current_app.config["OPEN311_JURISDICTION_ID"]]},
            "description": "Optional; when given it must be this server's (else 404)."}


def _service_codes() -> list[str]:
    return [s["service_code"] for s in open311.services()]
ERROR_TEXT = {
    400: "Bad input (a number, a date, a value, a missing location or service_code).",
    403: "api_key missing, unknown or revoked (for updates: not a partner key, or its "
         "account may not take that action).",
    404: "Unknown service_code, service_request_id, token or jurisdiction_id (or a case "
         "outside a partner key's place).",
    429: "Too many requests for this API key (or, without a key, from this address).",
}


def _answer(fmt: str, schema: str, description: str) -> dict[str, Any]:
    if fmt == "json":
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    else:
        content = {"text/xml": {"schema": {"type": "string"}}}
    return {"description": description, "content": content}


def _operation(fmt: str, summary: str, schema: str, errors: tuple[int, ...],
               parameters: list | None = None, body: dict | None = None) -> dict[str, Any]:
    responses = {"200": _answer(fmt, schema, "OK")}
    for status in (*errors, 429):
        responses[str(status)] = _answer(fmt, "Errors", ERROR_TEXT[status])
    operation: dict[str, Any] = {"summary": f"{summary} ({fmt.upper()})",
                                 "operationId": f"{summary.lower().replace(' ', '_')}_{fmt}",
                                 "parameters": parameters or [], "responses": responses}
    if body is not None:
        operation["requestBody"] = body
    return operation


def _path(name: str, description: str, schema=CODE) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


def _query(name: str, description: str, **schema) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False,
            "schema": {"type": "string", **schema}, "description": description}


POST_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string", "description": "The key an administrator created."},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "maxLength": 200},
    "address_id": {"type": "string", "maxLength": 24,
                   "description": "The code of a responsibility area."},
    "attribute[urgency]": {"type": "string", "enum": ["", "normal", "urgent", "critical"],
                           "description": "Empty counts as not given (normal). Other "
                                          "attribute[...] keys are ignored."},
    "description": {"type": "string", "maxLength": DESCRIPTION_MAX,
                    "description": "At most 4000 characters, as the specification allows; "
                                   "control characters are removed."},
    "media_url": {"type": "string", "maxLength": open311.MEDIA_URL_MAX},
    "phone": {"type": "string", "maxLength": 20,
              "description": "The reporter hears about the case by SMS; never published. "
                             "A number that cannot be used is dropped; the report is kept."},
    "email": {"type": "string"}, "first_name": {"type": "string"},
    "last_name": {"type": "string"}, "device_id": {"type": "string"},
    "account_id": {"type": "string"},
}


PAGING = [
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1}, "description": "1 for the first page."},
    {"name": "page_size", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": open311.PAGE_SIZE_MAX},
     "description": f"At most {open311.PAGE_SIZE_MAX} (the default)."},
]

UPDATE_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string", "description": "A partner key: it acts as the staff "
                "account an administrator bound it to, within that account's place."},
    "service_request_id": {"type": "string", "maxLength": 16},
    "status": {"type": "string", "enum": [
        "OPEN", "IN_PROGRESS", "FIXED", "CLOSED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION", "ACTION_SCHEDULED", "INVESTIGATING", "INTERNAL_REFERRAL"],
        "description": "Absent or the case's present status: a public comment. Otherwise "
                       "the action that leads there, if the state machine and the "
                       "account's role allow it."},
    "description": {"type": "string", "maxLength": open311.DESCRIPTION_MAX},
    "updated_datetime": {"type": "string", "format": "date-time"},
    "update_id_ext": {"type": "string", "maxLength": 64},
    "media_url": {"type": "string", "maxLength": open311.MEDIA_URL_MAX},
    "email": {"type": "string"}, "first_name": {"type": "string"},
    "last_name": {"type": "string"},
}


def document() -> dict[str, Any]:
    """The description of this server: its jurisdiction and its active service codes."""
    paths: dict[str, Any] = {}
    JURISDICTION = _jurisdiction()  # noqa: N806 - read like the constants around it
    service_code = {"type": "string", "enum": _service_codes()}
    fields = dict(POST_FIELDS, service_code=service_code,
                  jurisdiction_id=JURISDICTION["schema"])
    for fmt in ("json", "xml"):
        paths[f"/discovery.{fmt}"] = {"get": _operation(fmt, "Discovery", "Discovery", ())}
        paths[f"/services.{fmt}"] = {"get": _operation(fmt, "Services", "Services", (404,),
                                                       [JURISDICTION])}
        paths[f"/services/{{service_code}}.{fmt}"] = {"get": _operation(
            fmt, "Service definition", "ServiceDefinition", (404,),
            [_path("service_code", "A category code, e.g. LD03.", service_code), JURISDICTION])}
        paths[f"/requests.{fmt}"] = {
            "get": _operation(fmt, "Service requests", "ServiceRequests", (400, 404), [
                _query("service_request_id", "Comma-separated tracking codes (at most "
                       f"{open311.DEFAULT_LIMIT}); overrides every other filter.",
                       maxLength=12 * open311.DEFAULT_LIMIT),
                _query("service_code", "Comma-separated service codes.", maxLength=100),
                _query("start_date", "W3C datetime (a time needs its zone); default: 90 "
                       "days before end_date. At most 90 days before end_date.",
                       format="date-time"),
                _query("end_date", "W3C datetime; default: now (or 90 days after "
                       "start_date).", format="date-time"),
                _query("updated_after", "Change feed: cases changed in any way after this "
                       "W3C datetime, oldest change first (then by id).", format="date-time"),
                _query("updated_before", "Change feed: cases changed at or before this W3C "
                       "datetime.", format="date-time"),
                _query("status", "open, closed or both (comma-separated).",
                       enum=["open", "closed", "open,closed"]),
                *PAGING,
                JURISDICTION]),
            "post": _operation(fmt, "Post service request", "Accepted", (400, 403, 404),
                               body={"required": True, "content": {
                                   "application/x-www-form-urlencoded": {"schema": {
                                       "type": "object", "required": ["api_key", "service_code"],
                                       "properties": fields}}}}),
        }
        paths[f"/requests/{{service_request_id}}.{fmt}"] = {"get": _operation(
            fmt, "Service request", "ServiceRequests", (404,),
            [_path("service_request_id", "A tracking code, e.g. K7QM-4D2X."), JURISDICTION])}
        paths[f"/tokens/{{token}}.{fmt}"] = {"get": _operation(
            fmt, "Token", "Tokens", (404,),
            [_path("token", "The tracking code serves as the token."), JURISDICTION])}
        paths[f"/servicerequestupdates.{fmt}"] = {
            "get": _operation(fmt, "Service request updates", "Updates", (400, 404), [
                _query("start_date", "W3C datetime; default: 90 days before end_date.",
                       format="date-time"),
                _query("end_date", "W3C datetime; default: now.", format="date-time"),
                *PAGING, JURISDICTION]),
            "post": _operation(fmt, "Post service request update", "UpdateAccepted",
                               (400, 403, 404), body={"required": True, "content": {
                                   "application/x-www-form-urlencoded": {"schema": {
                                       "type": "object",
                                       "required": ["api_key", "service_request_id"],
                                       "properties": dict(UPDATE_FIELDS,
                                                          jurisdiction_id=JURISDICTION[
                                                              "schema"])}}}}),
        }
    schemas = dict(SCHEMAS, Services={"type": "array",
                                      "items": {"$ref": "#/components/schemas/Service"}})
    return {
        "openapi": "3.0.3",
        "info": {"title": "roadchief Open311 GeoReport v2", "version": "2",
                 "description": open311.__doc__,
                 "x-jurisdiction_id": current_app.config["OPEN311_JURISDICTION_ID"]},
        "servers": [{"url": "/open311/v2"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
