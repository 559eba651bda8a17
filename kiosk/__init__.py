"""Certificate kiosk: the terminal software.

Only :mod:`kiosk.ui` imports Qt; everything else runs headless.
"""

__version__ = "0.1.0"
