"""qdrant-local: a Qdrant-REST-compatible server whose engine is Qdrant Edge (qdrant-edge-py)."""
