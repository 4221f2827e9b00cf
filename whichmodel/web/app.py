"""The HTTP API: add prompts, start runs, follow their progress, read results.

Errors are JSON ``{"error": "<one line>", "detail": ...}``: 422 for a bad request
(naming the field or item), 404 for an unknown run, 409 for a run still going, 400 for
settings that cannot work (bad model string, missing key, unreachable gateway). Reads
open their own SQLite connection per request (WAL lets them run beside a run's writes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from whichmodel.config import Settings
from whichmodel.errors import ImportFileError, NoDataError, StoreError, WhichmodelError
from whichmodel.report.html_assets import JS as REPORT_JS
from whichmodel.store import Store
from whichmodel.web.auth import TokenAuth, check_token, content_security_policy
from whichmodel.web.common import StoreDep, find_run, links, run_info
from whichmodel.web.pages import START_JS, router
from whichmodel.web.runner import ApiError, Runner
from whichmodel.web.schemas import (
    ERRORS,
    PromptsAdded,
    ResponsesPage,
    RunInfo,
    RunList,
    RunRequest,
    RunStarted,
)

log = logging.getLogger("whichmodel.web")

MAX_PROMPTS_PER_REQUEST = 10_000
MAX_OFFSET = 10**9
STATUS_OF = {NoDataError: 404, ImportFileError: 422, StoreError: 503}
"""HTTP status per error class; other WhichmodelErrors (ConfigError, GatewayError,
BudgetError) are 400: the request asked for something these settings cannot do."""


# ---------------------------------------------------------------- helpers


def _where(loc: Any) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _valid_text(value: Any) -> bool:
    """False for strings SQLite cannot store (lone surrogates from JSON escapes)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return False
    return True


def _run_settings(base: Settings, body: RunRequest) -> Settings:
    """The server's settings with the request's choices, validated like the CLI's."""
    given = body.model_dump(exclude_none=True, exclude={"prompt_ids"})
    try:
        return Settings.model_validate({**base.model_dump(), **given})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _where(("body", *err["loc"]))
        raise ApiError(422, f"{where}: {err['msg']}", {"field": where}) from None


# ---------------------------------------------------------------- the app


def create_app(settings: Settings, *, token: str | None = None) -> FastAPI:
    """The API and dashboard over ``settings.db``. With ``token``, every request needs
    ``Authorization: Bearer <token>`` (see ``whichmodel.web.auth``)."""
    Store(settings.db).close()  # a database that cannot be used fails now, not per request
    runner = Runner()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for run_id in await runner.stop_all():
            log.warning(
                "Run %s interrupted by the server stopping; what is stored is kept. "
                "Finish it with: whichmodel eval --resume %s",
                run_id,
                run_id,
            )

    app = FastAPI(
        title="whichmodel",
        summary="Which model should serve your traffic? Replay, judge, recommend.",
        version=_version(),
        docs_url=None,  # Swagger UI and ReDoc load from a CDN; /openapi.json is enough
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runner = runner
    if token:
        check_token(token)
    csp = content_security_policy([script_hash(START_JS), script_hash(REPORT_JS)])
    app.add_middleware(TokenAuth, token=token, csp=csp)
    _add_error_handlers(app)
    _add_api(app)
    app.include_router(router)
    return app


def script_hash(script: str) -> str:
    """The CSP hash of an inline script: base64 of the sha256 of its exact text."""
    return base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def _version() -> str:
    from importlib.metadata import version

    return version("whichmodel")


def _add_error_handlers(app: FastAPI) -> None:
    def error(status: int, message: str, detail: Any = None, **kw: Any) -> JSONResponse:
        return JSONResponse({"error": message, "detail": detail}, status_code=status, **kw)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.message, exc.detail)

    @app.exception_handler(WhichmodelError)
    async def whichmodel_error(request: Request, exc: WhichmodelError) -> JSONResponse:
        status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
        return error(status, str(exc), {"kind": type(exc).__name__})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _where(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return error(422, f"{first['field']}: {first['message']}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # bytes that are not UTF-8 JSON, JSON nested too deeply, a 5,000-digit number
            return error(
                422,
                "body: cannot be read as JSON (it must be UTF-8 JSON, not too deeply nested, "
                "numbers under 4,300 digits)",
                {"field": "body"},
            )
        message = f"{exc.detail}: {request.method} {request.url.path}"
        return error(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        return error(500, "Internal error: the server log has the details.")


def _add_api(app: FastAPI) -> None:
    runner: Runner = app.state.runner

    @app.post("/api/prompts", response_model=PromptsAdded, responses=ERRORS, tags=["prompts"])
    def add_prompts(
        store: StoreDep,
        records: Annotated[
            list[Any],
            Body(
                description="Prompt history records, as the lines of `whichmodel import`: "
                '{"prompt": "..."} or {"messages": [{"role": "user", "content": "..."}]}, '
                "with optional reference, category, label and id.",
                examples=[
                    [
                        {"prompt": "What is the capital of France?", "reference": "Paris"},
                        {
                            "messages": [
                                {"role": "system", "content": "Be terse."},
                                {"role": "user", "content": "Name a colour."},
                            ],
                            "category": "chat",
                        },
                    ]
                ],
            ),
        ],
    ) -> PromptsAdded:
        """Add prompts to the history; one invalid item stores nothing. Prompts already
        stored are not added twice."""
        from whichmodel.history.records import parse_record

        if not records:
            raise ApiError(422, "body: give at least one prompt.", {"field": "body"})
        if len(records) > MAX_PROMPTS_PER_REQUEST:
            raise ApiError(
                422,
                f"body: at most {MAX_PROMPTS_PER_REQUEST} prompts per request.",
                {"field": "body"},
            )
        parsed = []
        for i, obj in enumerate(records):
            where = f"body[{i}]"
            try:
                record = parse_record(obj, where)
            except ImportFileError as exc:
                raise ApiError(422, str(exc), {"index": i, "field": where}) from None
            if not _valid_text(record):
                raise ApiError(
                    422, f"{where}: text is not valid Unicode.", {"index": i, "field": where}
                )
            parsed.append({**record, "source": "api"})
        new, ids = store.add_prompts(parsed)
        return PromptsAdded(
            received=len(parsed), new=new, already_stored=len(parsed) - new, ids=ids
        )

    @app.post(
        "/api/runs",
        status_code=202,
        response_model=RunStarted,
        responses={**ERRORS, 202: {"description": "Started; poll the run for progress."}},
        tags=["runs"],
    )
    async def start_run(request: Request, body: RunRequest) -> JSONResponse:
        """Check the models, keys and gateway, then run the evaluation in the background.
        Returns the run id at once."""
        if not _valid_text(body.model_dump()):
            raise ApiError(422, "body: text is not valid Unicode.", {"field": "body"})
        settings = _run_settings(request.app.state.settings, body)
        run_id = await runner.start(settings, body.prompt_ids)
        started = RunStarted(id=run_id, status="running", links=links(run_id))
        return JSONResponse(
            started.model_dump(), status_code=202, headers={"Location": f"/api/runs/{run_id}"}
        )

    @app.get("/api/runs", response_model=RunList, responses=ERRORS, tags=["runs"])
    def list_runs(
        store: StoreDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> RunList:
        """Runs, newest first."""
        runs = store.runs()
        page = runs[offset : offset + limit]
        return RunList(
            runs=[run_info(store, r, runner, with_progress=False) for r in page], total=len(runs)
        )

    @app.get("/api/runs/{run_id}", response_model=RunInfo, responses=ERRORS, tags=["runs"])
    def get_run(run_id: str, store: StoreDep) -> RunInfo:
        """A run's status and progress (answers and judgments done of total)."""
        return run_info(store, find_run(store, run_id), runner)

    @app.get("/api/runs/{run_id}/recommendation", responses=ERRORS, tags=["runs"])
    def get_recommendation(run_id: str, store: StoreDep) -> dict[str, Any]:
        """The stored recommendation (written when the run completes)."""
        run = find_run(store, run_id)
        rec = store.recommendation(run.id)
        if rec is not None:
            return rec.model_dump(mode="json")
        info = run_info(store, run, runner)
        if run.status == "running":
            p = info.progress
            assert p is not None
            raise ApiError(
                409,
                f"Run {run.id} is still running ({p.answers.done}/{p.answers.total} answers, "
                f"{p.judgments.done}/{p.judgments.total} judgments): ask again when it completes.",
                info.model_dump(include={"status", "progress"}),
            )
        why = f": {info.error}" if info.error else ""
        raise ApiError(
            404,
            f"Run {run.id} has no recommendation (status {run.status}{why}).",
            {"status": run.status},
        )

    @app.get(
        "/api/runs/{run_id}/responses",
        response_model=ResponsesPage,
        responses=ERRORS,
        tags=["runs"],
    )
    def get_responses(
        run_id: str,
        store: StoreDep,
        model: Annotated[
            str | None, Query(description="Full model string or its short name.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> ResponsesPage:
        """Stored answers with their scores, in prompt order."""
        from whichmodel.results.questions import resolve_model

        run = find_run(store, run_id)
        full = None
        if model is not None:
            try:
                full = resolve_model(run, model)
            except NoDataError as exc:
                raise ApiError(422, f"query.model: {exc}", {"field": "query.model"}) from None
        total, rows = store.responses_page(run.id, full, limit, offset)
        return ResponsesPage(
            run_id=run.id, model=full, total=total, limit=limit, offset=offset, items=rows
        )


__all__ = ["create_app"]
