def sweep(layer, supports=None):
    return []
