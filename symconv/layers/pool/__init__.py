"""Max and average pooling: one spec, one document and one module template for both."""
