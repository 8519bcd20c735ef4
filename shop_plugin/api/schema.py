"""Small builders for JSON Schema (OpenAPI 3.1 dialect), so the document reads as data."""
from __future__ import annotations

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
MONEY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "a decimal in the currency's units"}
ANY_OBJECT = {"type": "object"}
SHOPIFY_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
ROW_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    if set(schema) == {"type"} and isinstance(schema["type"], str):
        return {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict, **limits) -> dict:
    return {"type": "array", "items": items, **limits}


def obj(required: dict | None = None, optional: dict | None = None, *, closed: bool = False, **extra) -> dict:
    """An object whose `required` properties are always there; `closed` forbids other properties."""
    schema: dict = {"type": "object", "properties": {**(required or {}), **(optional or {})}}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def enum(*values: str, null: bool = False) -> dict:
    return {"type": ["string", "null"], "enum": [*values, None]} if null else {"type": "string", "enum": list(values)}


def json_body(schema: dict, description: str | None = None) -> dict:
    content = {"application/json": {"schema": schema}}
    return {"description": description, "content": content} if description else {"content": content}


def query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def path_id(name: str, schema: dict = ROW_ID, description: str | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description or f"the {name.replace('_', ' ')}"}


def responses(ok: dict | None = None, status: str = "200", *errors: str) -> dict:
    """A success response plus shared error responses by status (400, 401, 404, 409, 422)."""
    answer = {status: ok} if ok is not None else {}
    answer.update({code: {"$ref": f"#/components/responses/{ERROR_RESPONSES[code]}"} for code in ("401", *errors)})
    return answer


ERROR_RESPONSES = {"400": "BadQuery", "401": "Unauthorized", "404": "NotFound", "409": "Conflict",
                   "422": "InvalidBody"}
