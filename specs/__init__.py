"""The bundled specs, installed as the package ``archcalc.specs`` (see pyproject.toml)."""
