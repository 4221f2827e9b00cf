"""The wire to Portkey: model strings -> Langroid configs, the one header merge, per-call
tags, the checks made before the first call, and gateway configs that deploy a verdict."""
