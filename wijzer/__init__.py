"""Beschikbaarheidswijzer: vrije plekken en wachttijden in de jeugdhulp."""

from __future__ import annotations

from flask import Flask

from wijzer.extensions import csrf, limiter, login_manager


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config -> db -> login -> blueprints -> CLI. No side effects."""
    from wijzer.config import PROJECT_ROOT, load_config

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    load_config(app, test_config)

    from wijzer import db, jsonio

    jsonio.init_app(app)

    db.init_app(app)
    from wijzer import observability

    observability.init_app(app)  # first, so the request timer starts before any other hook
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from providers import bp as providers_bp
    from wijzer import auth, web
    from wijzer.api import bp as api_bp
    from wijzer.api.hsds import bp as hsds_bp
    from wijzer.audit import bp as audit_bp
    from wijzer.beheer import bp as beheer_bp
    from wijzer.operator import bp as operator_bp
    from wijzer.placement import bp as placement_bp
    from wijzer.search import bp as search_bp

    web.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(providers_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(hsds_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(operator_bp)
    app.register_blueprint(beheer_bp)
    app.register_blueprint(placement_bp)

    from wijzer import vocabulary

    vocabulary.init_app(app)

    from wijzer import cli

    cli.init_app(app)
    return app
