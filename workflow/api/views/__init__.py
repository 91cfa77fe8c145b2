"""The API's blueprints: /api/v1 (v1.py) and its reference page and OpenAPI document
(reference.py)."""
