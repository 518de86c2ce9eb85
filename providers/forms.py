"""Portal forms. WTForms carries the fields, CSRF and the typed values; the rules themselves live in
``wijzer.schemas`` (shared with importers and the API) and their Dutch messages are put back on the
fields with ``apply_errors``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from wijzer import domain


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)  # wijzer.schemas checks the codes, in Dutch
        super().__init__(*args, **kwargs)


def select(label: str, choices=None, **kwargs) -> SelectField:
    """A select whose value is checked by wijzer.schemas (Dutch messages), not by WTForms."""
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


def apply_errors(form: FlaskForm, errors: dict[str, str], aliases: dict[str, str] | None = None) -> list[str]:
    """Put schema/service errors on the matching fields; return those that match no field."""
    aliases = aliases or {}
    rest = []
    for name, message in errors.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            rest.append(message)
    return rest


class VersionedForm(FlaskForm):
    """An edit form of shared data: it carries the row version it was loaded with, so a save based on an
    old version is refused instead of overwriting a colleague's change."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else None


class ProviderForm(VersionedForm):
    name = StringField("Naam van de organisatie")
    kvk = StringField("KvK-nummer")
    agb = StringField("AGB-code (optioneel)")
    website = StringField("Website")
    phone = StringField("Telefoonnummer voor verwijzers")
    email = EmailField("E-mailadres voor verwijzers")


class LocationForm(VersionedForm):
    name = StringField("Naam van de locatie")
    street = StringField("Straat")
    house_number = StringField("Huisnummer")
    postcode = StringField("Postcode")
    city = StringField("Plaats (leeg: volgt uit de postcode)")


class OfferingForm(VersionedForm):
    offering_ref = StringField("Eigen kenmerk (uniek binnen uw organisatie)")
    name = StringField("Naam van het aanbod (optioneel)")
    location_id = select("Locatie")
    care_type = select("Zorgsoort", choices=[("", "Kies een zorgsoort"), *list(domain.CARE_TYPES.items())])
    tags = MultiCheckboxField("Doelgroepen", choices=list(domain.TAGS.items()))
    min_age = StringField("Minimumleeftijd (jaar)")
    max_age = StringField("Maximumleeftijd (jaar)")
    modalities = MultiCheckboxField("Vormen", choices=list(domain.MODALITIES.items()))
    funding = MultiCheckboxField("Financiering", choices=list(domain.FUNDING.items()))
    contract_regions = StringField("Jeugdregio's met contract (codes, bijv. JZ22, JZ21)")
    category = select(
        "Productcategorie iJw (JZ020, optioneel)",
        choices=[("", "Geen")] + [(k, f"{k} {v}") for k, v in domain.JZ020_CATEGORIES.items()],
    )
    description = TextAreaField("Omschrijving voor verwijzers")
    crisis_intake = BooleanField("Crisisopname mogelijk", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The vocabularies can be extended by an admin (wijzer.services.vocabulary): read them per form.
        self.care_type.choices = [("", "Kies een zorgsoort"), *list(domain.CARE_TYPES.items())]
        self.tags.choices = list(domain.TAGS.items())
        self.modalities.choices = list(domain.MODALITIES.items())
        self.funding.choices = list(domain.FUNDING.items())


class InviteForm(FlaskForm):
    email = EmailField("Werk-e-mailadres van de medewerker")
    provider_admin = BooleanField(
        "Mag collega's uitnodigen en verwijderen (beheerder van de aanbieder)", validators=[Optional()]
    )


class AdminProviderSearch(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Zoek op naam of KvK-nummer")
