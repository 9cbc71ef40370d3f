def register(subparsers):  # placeholder until the area lands
    pass
