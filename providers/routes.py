"""Provider portal."""
from flask import render_template
from flask_login import current_user
from sqlmodel import select

from providers import bp
from wijzer.auth import role_required
from wijzer.db import get_session
from wijzer.models import Offering, Provider


@bp.route("/")
@role_required("provider")
def weekly():
    session = get_session()
    provider = session.get(Provider, current_user.provider_id)
    offerings = session.exec(select(Offering).where(Offering.provider_id == provider.id)
                             .order_by(Offering.care_type, Offering.offering_ref)).all()
    return render_template("providers/weekly.html", provider=provider, offerings=offerings)


@bp.route("/beheer")
@role_required("admin")
def admin_home():
    providers = get_session().exec(select(Provider).order_by(Provider.name).limit(200)).all()
    return render_template("providers/admin_home.html", providers=providers)
