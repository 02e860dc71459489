"""The central store's HTTP API: ``create_app(database_url)`` returns the FastAPI app.

Opening the app opens the database and applies pending migrations, so a database that is
unreachable or newer than this server fails here, before anything is served. The OpenAPI
description is at ``/openapi.json`` and browsable at ``/docs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi

from icv_app import __version__
from icv_app.server import account_api, admin_api, settings, survey_api, sync_api
from icv_app.server.config import ServerConfig
from icv_app.server.context import ServerContext
from icv_app.server.errors import ApiError, error_responses, install_handlers
from icv_app.server.limits import BodyLimit
from icv_app.server.migrations import migrate
from icv_app.server.storage import create_store_engine
from icv_app.sync.wire import API_PREFIX, SCHEMA_HEADER, WIRE_SCHEMA, ErrorCode, HealthResponse


def _schema_check(config: ServerConfig) -> Callable[[Request], None]:
    # Read by hand rather than declared as a parameter, so that a missing or garbled
    # header is answered 426 (update the app), not 422; _describe_schema_header puts it
    # in the OpenAPI description.
    def check_client_schema(request: Request) -> None:
        raw = request.headers.get(SCHEMA_HEADER)
        try:
            version = int(raw) if raw is not None else None
        except ValueError:
            version = None
        if version is not None and config.min_client_schema <= version <= (
            config.max_client_schema
        ):
            return
        if version is not None and version > config.max_client_schema:
            message = (
                "This app is newer than the server. Your data is safe on this laptop; ask "
                "your administrator to update the server, then sync again."
            )
        else:
            message = (
                "This version of the app is too old for the server. Update the app, then "
                "sync again; everything recorded on this laptop is kept."
            )
        raise ApiError(
            426,
            ErrorCode.UNSUPPORTED_CLIENT,
            message,
            headers={"Upgrade": f"icv-sync/{config.max_client_schema}"},
        )

    return check_client_schema


def _describe_schema_header(app: FastAPI, config: ServerConfig) -> None:
    """Add the required ``X-ICV-Schema`` header to every /api/v1 operation's description."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes,
            )
            parameter = {
                "name": SCHEMA_HEADER,
                "in": "header",
                "required": True,
                "description": "The client's wire schema version; an unsupported one is "
                "answered 426 (update the app).",
                "schema": {
                    "type": "integer",
                    "minimum": config.min_client_schema,
                    "maximum": config.max_client_schema,
                },
            }
            # The push body is read by hand (sync_api); its models join the components.
            spec.setdefault("components", {}).setdefault("schemas", {}).update(
                sync_api.PUSH_BODY_DEFS
            )
            for path, item in spec["paths"].items():
                if path.startswith(API_PREFIX):
                    for operation in item.values():
                        operation.setdefault("parameters", []).insert(0, dict(parameter))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(database_url: str, *, config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig()
    engine = create_store_engine(database_url)
    try:
        migrate(engine, config.clock())
    except BaseException:
        engine.dispose()
        raise
    context = ServerContext(engine=engine, config=config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="icv-app central store",
        version=__version__,
        description=(
            "Sync and accounts for icv-app laptops. Send `X-ICV-Schema` on every `/api/v1` "
            "call and `Authorization: Bearer <device token>` on all but login."
        ),
        lifespan=lifespan,
    )
    app.state.icv = context
    install_handlers(app)
    # Before routing, so that no body over its limit is read, let alone parsed.
    app.add_middleware(
        BodyLimit, limit=config.max_body_bytes, open_paths={f"{API_PREFIX}/login"}
    )

    @app.get("/health", response_model=HealthResponse, tags=["health"])
    def health() -> HealthResponse:
        """Up or not, and which client schema versions are served (no auth)."""
        return HealthResponse(
            server_schema=WIRE_SCHEMA,
            min_client_schema=config.min_client_schema,
            max_client_schema=config.max_client_schema,
        )

    api = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(_schema_check(config))],
        responses=error_responses(401, 413, 422, 426, 500, 503),
    )
    api.include_router(account_api.router)
    api.include_router(sync_api.router)
    api.include_router(settings.router)
    api.include_router(admin_api.router)
    api.include_router(survey_api.router)
    app.include_router(api)
    _describe_schema_header(app, config)
    return app
