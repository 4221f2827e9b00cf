"""whichmodel: which LLM should serve your traffic? Replay, judge, recommend."""

from __future__ import annotations

from whichmodel._offline import ensure_tiktoken_offline

# Must run before anything imports Langroid (which loads tiktoken at import time).
ensure_tiktoken_offline()

__version__ = "0.1.0"
