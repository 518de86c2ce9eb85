"""Forms of the plaatsingsverzoek. WTForms carries fields and CSRF; the rules live in
``wijzer.schemas_placement`` and ``wijzer.services.placement`` (shared with the API)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField

from providers.forms import MultiCheckboxField, select
from wijzer import domain
from wijzer.schemas_placement import DECLINE_REASONS, NOTE_MAX


class RequestForm(FlaskForm):
    offering_ids = MultiCheckboxField("Aan welk aanbod vraagt u een plek? (1 tot 3)", coerce=str)
    care_type = select("Zorgsoort", choices=[("", "Kies een zorgsoort"), *list(domain.CARE_TYPES.items())])
    modality = select("Vorm (optioneel)", choices=[("", "Geen voorkeur"), *list(domain.MODALITIES.items())])
    age = StringField("Leeftijd van het kind (jaar)")
    tags = MultiCheckboxField("Doelgroep", choices=list(domain.TAGS.items()))
    gemeente_code = select("Gemeente van het gezin")
    start_from = StringField("Gewenste start vanaf")
    start_to = StringField("Gewenste start uiterlijk")
    note = TextAreaField(f"Korte toelichting (optioneel, hoogstens {NOTE_MAX} tekens)")
    reference = StringField("Uw eigen kenmerk (bijvoorbeeld uw dossiernummer)")


class AnswerForm(FlaskForm):
    answer = RadioField(
        "Uw antwoord",
        choices=[
            ("accept", "Accepteren: ik houd een plek vast"),
            ("decline", "Afwijzen"),
            ("counter", "Tegenvoorstel: later starten"),
        ],
        validate_choice=False,
    )
    hold_until = StringField("Plek vasthouden tot en met")
    reason = select("Reden van afwijzen", choices=[("", "Kies een reden"), *list(DECLINE_REASONS.items())])
    earliest_start = StringField("Vroegst mogelijke startdatum")


class ItemActionForm(FlaskForm):
    item_id = HiddenField()
