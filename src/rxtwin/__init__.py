"""rxtwin: simulate generic drug manufacturing lines and supply chains."""

__version__ = "0.1.0"
