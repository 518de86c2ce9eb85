"""Public finder pages."""
from flask import render_template

from wijzer.search import bp


@bp.route("/")
def home():
    return render_template("search/home.html")
