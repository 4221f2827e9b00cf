"""Tasks: importing prompt history and the evaluation orchestrator."""
