"""The JSON API's contract: the OpenAPI 3.1 document and JSON errors under /api/."""
