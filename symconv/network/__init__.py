"""Whole networks from proven kernels: the model syntax (:mod:`.spec`), the standalone
``network.py`` writer (:mod:`.build`), the chain check (:mod:`.check`), the network's
derivation document (:mod:`.document`), data loaders (:mod:`.data`), SGD training
(:mod:`.train`) and its figures (:mod:`.figures`)."""
