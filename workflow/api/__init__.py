"""The open API of the indicator base, /api/v1 (docs/decisions/0033): units, variables,
indicators with their versions, indicator values, groups with their definitions and their
aggregates; JSON, CSV and JSON-stat 2.0; an OpenAPI 3.1 document generated from the code."""
