"""Flask-WTF forms, one module per audience. Every form carries a CSRF token."""
