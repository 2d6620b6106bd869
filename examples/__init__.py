"""Example apps, one per pattern. Each exposes ``create_app() -> FastAPI``.

Run one alone from the repository root, for example::

    uvicorn --factory examples.query_parameters:create_app --reload
"""
