"""One module per feature; each exposes an ``APIRouter`` called ``router``."""
