"""The bundled seed articles, ingested on a store's first start (data files only; see ATTRIBUTION.md)."""
