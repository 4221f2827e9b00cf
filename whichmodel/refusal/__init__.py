"""Did an answer refuse? The layered detector (``detect``: the provider's signal, empty
answers, ``phrases``, the trained ``classifier``, the judge's flag) and its measurement on
labelled completions (``measure``)."""
