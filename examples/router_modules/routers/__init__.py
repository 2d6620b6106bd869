"""One module per feature; each exposes ``build_router(version)``, which makes its ``APIRouter``."""
