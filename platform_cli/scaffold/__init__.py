"""Service templates: listing them (no cookiecutter needed) and rendering them (``render``).

``render.py`` is the only module of the platform that imports cookiecutter.
"""

from .templates import TemplateInfo, find_template, list_templates, template_roots

__all__ = ["TemplateInfo", "find_template", "list_templates", "template_roots"]
