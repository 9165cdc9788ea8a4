#!/usr/bin/env python
"""Django's manage.py; the same commands as the `mingjing` console script."""

from mingjing.cli import main

if __name__ == "__main__":
    main()
