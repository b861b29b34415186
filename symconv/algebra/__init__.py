"""The foundation: exact polynomials, symbol arrays, the size arithmetic and the four verbs.

Nothing here knows about layers, proofs or documents.
"""
