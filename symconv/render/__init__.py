"""Rendering a proven derivation: the document model and its LaTeX and Markdown printers,
figures, the NumPy module, PDF compilation."""
