"""What gunicorn and `flask --app wsgi` load."""

from workflow.app import create_app

app = create_app()
