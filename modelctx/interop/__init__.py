"""Views of the graph in other tools' shapes (Marquez's read API)."""
