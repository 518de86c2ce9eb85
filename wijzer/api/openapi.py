"""The OpenAPI 3.1 document of the JSON API. Other API modules add their paths to ``PATHS``."""

from __future__ import annotations

from wijzer import domain

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}
NULLABLE_INT = {"type": ["integer", "null"]}
RESULT = {
    "type": "object",
    "required": [
        "offering_id",
        "offering_ref",
        "care_type",
        "tags",
        "min_age",
        "max_age",
        "modalities",
        "funding",
        "provider",
        "location",
        "distance_km",
        "free_places",
        "held_places",
        "waiting_weeks_intake",
        "waiting_weeks_treatment",
        "intake_status",
        "last_confirmed_at",
        "freshness",
        "waitlist_length",
        "next_free_date",
        "place_now",
        "expected_start_days",
        "contract_regions",
        "contracted_for_family",
    ],
    "properties": {
        "offering_id": {"type": "integer"},
        "offering_ref": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "care_type": {"type": "string", "enum": list(domain.CARE_TYPES)},
        "tags": {"type": "array", "items": {"type": "string"}},
        "min_age": {"type": "integer"},
        "max_age": {"type": "integer"},
        "modalities": {"type": "array", "items": {"type": "string"}},
        "funding": {"type": "array", "items": {"type": "string"}},
        "provider": {
            "type": "object",
            "required": ["id", "name", "kvk", "phone", "email", "website"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "kvk": {"type": "string"},
                "phone": {"type": ["string", "null"]},
                "email": {"type": ["string", "null"]},
                "website": {"type": ["string", "null"]},
            },
        },
        "location": {
            "type": "object",
            "required": ["id", "name", "postcode", "city", "municipality_code", "region_code", "lat", "lon"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "postcode": {"type": "string"},
                "city": {"type": ["string", "null"]},
                "municipality_code": {"type": "string"},
                "region_code": {"type": "string"},
                "lat": {"type": "number"},
                "lon": {"type": "number"},
            },
        },
        "distance_km": {"type": ["number", "null"]},
        "free_places": {
            "type": ["integer", "null"],
            "minimum": 0,
            "description": "Gemelde vrije plekken min actief vastgehouden plekken (nooit onder nul)",
        },
        "held_places": {
            "type": "integer",
            "minimum": 0,
            "description": "Plekken vastgehouden voor een geaccepteerd plaatsingsverzoek",
        },
        "waiting_weeks_intake": NULLABLE_INT,
        "waiting_weeks_treatment": NULLABLE_INT,
        "intake_status": {"type": ["string", "null"], "enum": [*domain.INTAKE_STATUSES, None]},
        "last_confirmed_at": {"type": ["string", "null"], "format": "date-time"},
        "freshness": {"type": "string", "enum": ["fresh", "aging", "stale", "unknown"]},
        "total_places": NULLABLE_INT,
        "waitlist_length": NULLABLE_INT,
        "next_free_date": {"type": ["string", "null"], "format": "date"},
        "place_now": {
            "type": "boolean",
            "description": "Direct plek: vrije plek, intake open, recent bevestigd",
        },
        "expected_start_days": {
            **NULLABLE_INT,
            "description": "Dagen tot de verwachte start: verwachte vrije plek, "
            "anders (aanmeldings- + behandelingswachttijd) x 7; null = onbekend",
        },
        "contract_regions": {"type": "array", "items": {"type": "string"}},
        "contracted_for_family": {
            "type": ["boolean", "null"],
            "description": "Contracteert de jeugdregio van de postcode dit aanbod? null zonder postcode",
        },
    },
}
ALERT = {
    "type": "object",
    "required": ["id", "label", "filters", "created_at", "expires_at", "paused"],
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "filters": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "paused": {"type": "boolean"},
    },
}


def _q(name, schema, description, required=False):
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _error_responses(*codes):
    text = {
        400: "Ongeldige parameter",
        401: "Geen of ongeldige API-sleutel",
        403: "Geen toegang",
        404: "Niet gevonden",
        422: "Ongeldige gegevens",
        429: "Te veel verzoeken",
    }
    return {
        str(c): {
            "description": text[c],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


PATHS: dict = {
    "/api/v1/search": {
        "get": {
            "summary": "Zoek aanbod",
            "operationId": "search",
            "parameters": [
                _q("care_type", {"type": "string", "enum": list(domain.CARE_TYPES)}, "Zorgsoort"),
                _q("tags", {"type": "string"}, "Doelgroepen, komma-gescheiden; alle moeten passen"),
                _q("age", {"type": "integer", "minimum": 0, "maximum": 27}, "Leeftijd van het kind"),
                _q(
                    "modality",
                    {"type": "string"},
                    "Vormen, komma-gescheiden; één ervan moet passen (" + ", ".join(domain.MODALITIES) + ")",
                ),
                _q("funding", {"type": "string", "enum": list(domain.FUNDING)}, "Financiering"),
                _q("postcode", {"type": "string"}, "Postcode van het gezin (PC4 of PC6)"),
                _q(
                    "radius_km",
                    {"type": "number", "exclusiveMinimum": 0, "maximum": 250, "default": 25},
                    "Straal in km",
                ),
                _q("region", {"type": "string", "pattern": "^JZ[0-9]{2}$"}, "Jeugdregiocode"),
                _q("municipality", {"type": "string", "pattern": "^GM[0-9]{4}$"}, "CBS-gemeentecode"),
                _q("available_now", {"type": "boolean", "default": False}, "Alleen direct plek"),
                _q(
                    "max_wait_weeks",
                    {"type": "integer", "minimum": 0, "maximum": 260},
                    "Maximale aanmeldingswachttijd",
                ),
                _q(
                    "contract_region",
                    {"type": "string", "pattern": "^JZ[0-9]{2}$"},
                    "Alleen aanbod dat deze jeugdregio contracteert",
                ),
                _q(
                    "contracted",
                    {"type": "boolean", "default": False},
                    "Alleen aanbod dat de jeugdregio van het gezin contracteert (vraagt postcode; 400 zonder)",
                ),
                _q(
                    "sort",
                    {"type": "string", "enum": ["start", "afstand", "plekken"]},
                    "Andere volgorde dan de rangorde: verwachte start, afstand of vrije plekken",
                ),
                _q(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                    "Aantal resultaten",
                ),
                _q(
                    "offset",
                    {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0},
                    "Vanaf resultaat",
                ),
            ],
            "responses": {
                "200": {
                    "description": "Resultaten, gerangschikt",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["total", "results"],
                                "properties": {
                                    "total": {"type": "integer"},
                                    "results": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/SearchResult"},
                                    },
                                },
                            }
                        }
                    },
                },
                **_error_responses(400, 429),
            },
        }
    },
    "/api/v1/offerings/{offering_id}": {
        "get": {
            "summary": "Huidige stand en historie van één aanbod",
            "operationId": "getOffering",
            "parameters": [
                {"name": "offering_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": {
                    "description": "Aanbod",
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/SearchResult"},
                                    {
                                        "type": "object",
                                        "required": ["history"],
                                        "properties": {
                                            "history": {"type": "array", "items": {"type": "object"}}
                                        },
                                    },
                                ]
                            }
                        }
                    },
                },
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
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "description": "De filters van /api/v1/search (zonder limit, offset, sort)",
                        }
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "Bewaard",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alert"}}},
                },
                **_error_responses(400, 401, 403, 429),
            },
        },
        "get": {
            "summary": "Mijn meldingen",
            "operationId": "listAlerts",
            "security": [{"bearer": []}],
            "responses": {
                "200": {
                    "description": "Meldingen",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "alerts": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Alert"},
                                    }
                                },
                            }
                        }
                    },
                },
                **_error_responses(401, 403, 429),
            },
        },
    },
    "/api/v1/alerts/{alert_id}": {
        "delete": {
            "summary": "Verwijder een melding",
            "operationId": "deleteAlert",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {"204": {"description": "Verwijderd"}, **_error_responses(401, 403, 404, 429)},
        }
    },
    "/api/v1/health": {
        "get": {
            "summary": "Werkt de dienst?",
            "operationId": "health",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"status": {"type": "string"}}}
                        }
                    },
                }
            },
        }
    },
}

COMPONENTS: dict = {
    "schemas": {"Error": ERROR, "SearchResult": RESULT, "Alert": ALERT},
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "Persoonlijke API-sleutel (Mijn account → API-sleutels)",
        }
    },
}


def openapi_document(server_url: str = "") -> dict:
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
