"""The engine: the layer contract, option parsing, then the flow spec -> forward -> derive ->
closed forms -> proof (:mod:`symconv.engine.pipeline`)."""
