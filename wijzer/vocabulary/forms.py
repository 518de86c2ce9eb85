from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from wijzer.services.vocabulary import VOCABULARIES


class TermForm(FlaskForm):
    vocabulary = SelectField(
        "Lijst", choices=[(k, v[0]) for k, v in VOCABULARIES.items()], validate_choice=False
    )
    code = StringField(
        "Code",
        description="Kleine letters, cijfers of _, bijvoorbeeld eetstoornis. "
        "Een code kan niet meer worden gewijzigd of verwijderd.",
    )
    label = StringField(
        "Omschrijving", description="Zoals bezoekers en zorgaanbieders hem zien, bijvoorbeeld Eetstoornis."
    )
