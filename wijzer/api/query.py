"""One way to read an API operation's query string: the pydantic model that validates it also documents it
(``openapi.query_parameters``), so a parameter's name, type, bounds and default are written once."""

from __future__ import annotations

from typing import TypeVar

from flask import Response, request
from pydantic import BaseModel

from wijzer.api.errors import api_error
from wijzer.schemas import validate

_Query = TypeVar("_Query", bound=BaseModel)


def parse_query(
    model: type[_Query], *, refuse_empty: bool = False
) -> tuple[_Query, None] | tuple[None, tuple[Response, int]]:
    """(parameters, None), or (None, a 400 JSON error) for an unknown parameter or an invalid value, and with
    ``refuse_empty`` for a parameter given without a value (``?age=``: leave it out or give a value).

    An unknown parameter is refused rather than ignored: a misspelt ``dry_run`` must not store anything.
    """
    names = {f.alias or name for name, f in model.model_fields.items()}
    unknown = [k for k in request.args if k not in names]
    if unknown:
        return None, api_error(400, "unknown_parameter", f"Onbekende parameter: {unknown[0]}.", unknown[0])
    empty = [k for k, v in request.args.items() if v.strip() == ""] if refuse_empty else []
    if empty:
        message = f"Parameter {empty[0]} is leeg; laat hem weg of geef een waarde."
        return None, api_error(400, "invalid_parameter", message, empty[0])
    params, errors = validate(model, dict(request.args.items()))
    if params is None:  # None exactly when there are errors
        field, message = next(iter(errors.items()))
        return None, api_error(400, "invalid_parameter", message, None if field == "__all__" else field)
    return params, None
