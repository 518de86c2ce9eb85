"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from wijzer import create_app
from wijzer.serving import prepare

app = prepare(create_app())
