"""Teaching: grade hand-computed layer tables (``archcalc check``) and make exercises
(``archcalc exercise``)."""
