"""``python -m archcalc``: the same as the ``archcalc`` command."""

from .cli import main

if __name__ == "__main__":
    main()
