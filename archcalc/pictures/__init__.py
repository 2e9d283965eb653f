"""Pictures: architecture diagrams (``archcalc draw``) and per-layer charts (``summary --plot``)."""
