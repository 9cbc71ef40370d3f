"""Generation backends: one module per engine, each exposing ``Backend`` (see ``rollout.generation``)."""
