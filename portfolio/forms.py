from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's renderer, with each field wrapped in one element so forms lay out as a column."""

    field_template_name = "forms/field.html"
