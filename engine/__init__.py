"""qi-match: match an enterprise's quality-infrastructure demand to the providers who can serve it."""

__version__ = "0.1.0"
