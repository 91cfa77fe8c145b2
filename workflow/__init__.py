"""Ścieżka, the Flask application. `workflow.app.create_app()` builds it.

Each area of the domain is one package (path, advice, evaluation, ranking, messaging,
accounts, audit, exports, demo) holding its operations and, in `views/`, its blueprints;
models/ holds the tables, web/ what every blueprint shares, cli/ the `flask` commands.
docs/decisions/0017-areas-and-import-contracts.md explains the layout and its contracts.
"""
