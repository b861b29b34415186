"""Whole networks from proven kernels: the model syntax (:mod:`.spec`), the standalone
``network.py`` writer (:mod:`.build`), the chain checks (exact: :mod:`.exact`; finite
differences: :mod:`.check`; both run by :mod:`.artifacts`), the network's
derivation document (:mod:`.document`), data loaders (:mod:`.data`), SGD training
(:mod:`.train`) and its figures (:mod:`.figures`)."""
