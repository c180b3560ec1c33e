"""seccoop: the platform of the Joint Caribbean–United States Framework for Security Cooperation
Engagement.

``__version__`` is the installed package's version, whose one source is ``pyproject.toml``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("seccoop")
except PackageNotFoundError:  # a source tree on the path that was never installed
    __version__ = "0+unknown"
