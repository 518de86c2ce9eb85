import pytest

from tests.servers import smtp_inbox


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 that keeps what arrives."""
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def run(app):
    from wijzer.jobs import run_job

    def go(name, now=None):
        with app.app_context():
            return run_job(name, now=now)

    return go
