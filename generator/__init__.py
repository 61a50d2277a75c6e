"""AI-discourse briefings: public feeds about AI → sourced briefings → a MkDocs Material site."""

__version__ = "0.1.0"
