"""Embedding whichmodel in a Langroid pipeline: a main agent delegates "which model
should we use?" to the whichmodel advisor, run as a sub-task, and gets the answer back.

The main agent has ``RecommendModelTool`` enabled for *use*: when its LLM emits that
tool, Langroid routes it to the advisor sub-task, which handles it from the stored
results and ends with the answer. Any agent can also *handle* the tool itself
(``agent.enable_message(RecommendModelTool)``) to get the recommendation directly.

Run with: python examples/portkey/langroid_pipeline.py [--local] [--db FILE]

Without --local the main agent is a hosted model (needs PORTKEY_API_KEY, OPENAI_API_KEY).
With --local it is SmolLM2 behind a local gateway; a 135M model will not reliably decide
to call a tool on its own, so with --local its reply is constrained (JSON schema) to the
tool call, and the pipeline stops once the sub-task's answer is back.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--db", type=Path, help="whichmodel database (default: a sample run)")
    args = parser.parse_args()
    if not args.local:
        missing = [k for k in ("PORTKEY_API_KEY", "OPENAI_API_KEY") if not os.environ.get(k)]
        if missing:
            sys.exit(f"Set {' and '.join(missing)} or run with --local to use the local model.")

    import langroid as lr
    from langroid.agent.task import TaskConfig
    from langroid.utils.configuration import settings as langroid_settings

    from whichmodel import RecommendModelTool
    from whichmodel.config import load_settings
    from whichmodel.local.demo import BASELINE, demo_settings
    from whichmodel.local.stack import local_stack
    from whichmodel.portkey.wire import llm_config
    from whichmodel.tools.advisor import store_of

    sys.path.insert(0, str(Path(__file__).parent))
    from which_model_chat import sample_database

    langroid_settings.quiet = True
    db = args.db or Path(tempfile.mkdtemp()) / "whichmodel.db"
    if args.db is None:
        sample_database(db)
    os.environ["WHICHMODEL_DB"] = str(db)
    quiet = TaskConfig(enable_loggers=False, enable_html_logging=False)

    with local_stack() if args.local else nullcontext() as stack:
        settings = demo_settings(stack.model_url, stack.gateway_url) if stack else load_settings()
        model = BASELINE if stack else "portkey/openai/gpt-4o-mini"
        force_tool = {
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "recommend_model",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["request"],
                        "properties": {"request": {"type": "string", "enum": ["recommend_model"]}},
                    },
                },
            }
        }
        main_agent = lr.ChatAgent(
            lr.ChatAgentConfig(
                name="planner",
                llm=llm_config(
                    model, settings, max_tokens=120, extra_body=force_tool if stack else None
                ),
                system_message="You plan our LLM feature. To choose a model, use the "
                "`recommend_model` tool; then summarise its answer in one sentence.",
            )
        )
        main_agent.enable_message(RecommendModelTool, use=True, handle=False)

        # The advisor side: an agent that handles RecommendModelTool from the database.
        advisor = lr.ChatAgent(lr.ChatAgentConfig(name="whichmodel", llm=None))
        advisor.enable_message(RecommendModelTool, use=False, handle=True)
        store_of(advisor)  # the configured database: WHICHMODEL_DB, set above
        advisor_task = lr.Task(advisor, interactive=False, single_round=True, config=quiet)

        task = lr.Task(main_agent, interactive=False, config=quiet)
        task.add_sub_task(advisor_task)
        question = "Which model should our support bot use?"
        # --local: the LLM's tool call, then the sub-task's answer, then stop
        result = task.run(question, turns=2 if stack else 6)

    print(f"Q: {question}")
    print("A (the pipeline's result, from the whichmodel sub-task):")
    print(result.content if result else "(none)")


if __name__ == "__main__":
    main()
