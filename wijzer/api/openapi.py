"""The OpenAPI 3.1 document of the JSON API. Other API modules add their paths to ``PATHS``.

Every body schema is generated from a pydantic model (``model_json_schema``, its ``$defs`` hoisted into
``components.schemas``), so ranges, patterns and enums are declared once: request bodies, the search
parameters, the error body and the capacity answer from the models that validate them (``wijzer.schemas``,
``wijzer.schemas_placement``), the other answers from the models in ``wijzer.schemas_responses``, which only
describe them (the endpoints build plain dicts). Only the paths, their parameters and status codes are written
here and in the API modules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import JsonSchemaMode

from wijzer import schemas_responses as responses
from wijzer.pagination import MAX_ID
from wijzer.schemas import PAGING_PARAMS, CapacityRecord, SearchFilters
from wijzer.schemas_placement import MAX_ITEMS, AnswerInput, ItemChoice, RequestInput

SCHEMA_REF = "#/components/schemas/{model}"


class ErrorDetail(BaseModel):
    code: str = Field(description="Vaste code, bijvoorbeeld invalid_parameter of invalid_records")
    message: str = Field(description="Uitleg in het Nederlands")
    field: str | None = Field(description="Het veld of de parameter waar het om gaat, als dat er één is")


class RecordProblem(BaseModel):
    index: int = Field(description="Plaats van het record in records (vanaf 0)")
    field: str | None
    message: str


class ApiError(BaseModel):
    """Foutmelding: {"error": {"code", "message", "field"}}; POST /capacity noemt elk probleem in errors."""

    error: ErrorDetail
    errors: list[RecordProblem] | None = Field(default=None, description="Alle problemen per record")


class CapacityResult(BaseModel):
    """Antwoord op POST /api/v1/capacity."""

    written: int = Field(ge=0, description="Aantal opgeslagen meldingen (0 bij dry_run)")
    dry_run: bool


def model_schemas(
    models: Mapping[str, tuple[type[BaseModel], JsonSchemaMode, str | None]],
) -> dict[str, dict[str, Any]]:
    """components.schemas entries for ``{name: (model, mode, Dutch description or None)}``.

    Nested models (``$defs``) become components of their own under their class name.
    """
    out: dict[str, dict[str, Any]] = {}

    def add(name: str, schema: dict[str, Any]) -> None:
        if name in out and out[name] != schema:
            raise ValueError(f"Two different schemas are called {name}")
        out[name] = schema

    for name, (model, mode, description) in models.items():
        schema = model.model_json_schema(ref_template=SCHEMA_REF, mode=mode)
        for def_name, definition in schema.pop("$defs", {}).items():
            add(def_name, definition)
        if description is not None:
            schema["description"] = description
        schema["title"] = name
        add(name, schema)
    return out


def _without_null(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A property's schema without its ``null`` alternative and null default (a query parameter is absent)."""
    out = dict(schema)
    alternatives = [a for a in out.pop("anyOf", []) if a != {"type": "null"}]
    if len(alternatives) == 1:
        out = alternatives[0] | out
    elif alternatives:
        out["anyOf"] = alternatives
    if out.get("default", 0) is None:
        del out["default"]
    return out


def path_id(name: str, description: str) -> dict[str, Any]:
    """A database id in the path; ``<int:...>`` (``wijzer.web.DatabaseId``) matches 0..MAX_ID, others are a 404."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def query_parameters(model: type[BaseModel], exclude: Collection[str] = ()) -> list[dict[str, Any]]:
    """The query parameters of an operation whose parameters ``model`` validates; lists are comma-separated."""
    schema = model.model_json_schema(ref_template=SCHEMA_REF, mode="validation")
    params = []
    for name, prop in schema["properties"].items():
        if name in exclude:
            continue
        prop = _without_null(prop)
        prop.pop("title", None)
        description = prop.pop("description", None)
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in schema.get("required", ()),
            "schema": prop,
        }
        if description:
            param["description"] = description
        if prop.get("type") == "array":
            param |= {"style": "form", "explode": False}
        params.append(param)
    return params


ALERT_EXCLUDED = PAGING_PARAMS
_alert_filters = SearchFilters.model_json_schema(ref_template=SCHEMA_REF, mode="validation")
for _key in ALERT_EXCLUDED:
    del _alert_filters["properties"][_key]
_alert_filters["title"] = "AlertFilters"
_alert_filters["description"] = "De filters van /api/v1/search (zonder limit, offset, sort); minstens één."

# The answers of the endpoints, described by the models of wijzer.schemas_responses (nested ones come along).
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    responses.SearchResults,
    responses.OfferingDetail,
    responses.Health,
    responses.Alert,
    responses.AlertList,
    responses.PlacementRequestCreated,
    responses.PlacementRequestList,
    responses.PlacementRequest,
    responses.PlacementItem,
    responses.RegionAudit,
    responses.RegionTrends,
)

GENERATED: dict[str, dict[str, Any]] = model_schemas(
    {
        "Error": (ApiError, "serialization", None),
        "CapacityRecord": (CapacityRecord, "validation", None),
        "CapacityResult": (CapacityResult, "serialization", None),
        "PlacementRequestInput": (
            RequestInput,
            "validation",
            f"Een nieuw plaatsingsverzoek aan 1 tot {MAX_ITEMS} aanbiedingen",
        ),
        "PlacementAnswerInput": (
            AnswerInput,
            "validation",
            "Antwoord van de aanbieder op één onderdeel: accept, decline of counter",
        ),
        "PlacementItemChoice": (
            ItemChoice,
            "validation",
            "Het onderdeel dat de verwijzer bevestigt of vrijgeeft (alleen dit veld)",
        ),
        **{model.__name__: (model, "serialization", None) for model in RESPONSE_MODELS},
    }
) | {"AlertFilters": _alert_filters}


def add_model_components(
    models: Mapping[str, tuple[type[BaseModel], JsonSchemaMode, str | None]],
) -> None:
    """Components generated in another API module, by the same rules (one name, one schema)."""
    for name, schema in model_schemas(models).items():
        if COMPONENTS["schemas"].setdefault(name, schema) != schema:
            raise ValueError(f"Two different schemas are called {name}")


def json_response(description: str, component: str) -> dict[str, Any]:
    """A response whose JSON body is the component ``component``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": SCHEMA_REF.format(model=component)}}},
    }


def _error_responses(*codes: int) -> dict[str, dict[str, Any]]:
    text = {
        400: "Ongeldige parameter",
        401: "Geen of ongeldige API-sleutel",
        403: "Geen toegang",
        404: "Niet gevonden",
        422: "Ongeldige gegevens",
        429: "Te veel verzoeken",
    }
    return {str(c): json_response(text[c], "Error") for c in codes}


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/search": {
        "get": {
            "summary": "Zoek aanbod",
            "operationId": "search",
            "parameters": query_parameters(SearchFilters),
            "responses": {
                "200": json_response("Resultaten, gerangschikt", "SearchResults"),
                **_error_responses(400, 429),
            },
        }
    },
    "/api/v1/offerings/{offering_id}": {
        "get": {
            "summary": "Huidige stand en historie van één aanbod",
            "operationId": "getOffering",
            "parameters": [path_id("offering_id", "Id van het aanbod")],
            "responses": {
                "200": json_response("Aanbod", "OfferingDetail"),
                **_error_responses(404, 429),
            },
        }
    },
    "/api/v1/alerts": {
        "post": {
            "summary": "Bewaar een zoekopdracht als melding (verwijzers)",
            "operationId": "createAlert",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AlertFilters"}}},
            },
            "responses": {
                "201": json_response("Bewaard", "Alert"),
                **_error_responses(400, 401, 403, 429),
            },
        },
        "get": {
            "summary": "Mijn meldingen",
            "operationId": "listAlerts",
            "security": [{"bearer": []}],
            "responses": {
                "200": json_response("Meldingen", "AlertList"),
                **_error_responses(401, 403, 429),
            },
        },
    },
    "/api/v1/alerts/{alert_id}": {
        "delete": {
            "summary": "Verwijder een melding",
            "operationId": "deleteAlert",
            "security": [{"bearer": []}],
            "parameters": [path_id("alert_id", "Id van de melding")],
            "responses": {"204": {"description": "Verwijderd"}, **_error_responses(401, 403, 404, 429)},
        }
    },
    "/api/v1/health": {
        "get": {
            "summary": "Werkt de dienst?",
            "operationId": "health",
            "responses": {"200": json_response("OK", "Health")},
        }
    },
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "schemas": GENERATED,
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "Persoonlijke API-sleutel (Mijn account → API-sleutels)",
        }
    },
}


def standalone(component: str) -> dict[str, Any]:
    """A JSON schema of one component that resolves its own ``$ref``s: to validate a body with jsonschema."""
    return {"$ref": SCHEMA_REF.format(model=component), "components": COMPONENTS}


RESULT = standalone("SearchResult")  # one search hit


def openapi_document(server_url: str = "") -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Beschikbaarheidswijzer API",
            "version": "1.0.0",
            "description": "Vrije plekken en wachttijden in de jeugdhulp. Zoeken is openbaar; schrijven en "
            "regio-audits vragen een API-sleutel (Authorization: Bearer <sleutel>).",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": PATHS,
        "components": COMPONENTS,
    }
