"""The example's data: seeded per app in the lifespan, never at import time."""

from dataclasses import dataclass, field

from .schemas import Item, User

SEED_USERS = (
    {"id": 1, "username": "ada", "full_name": "Ada Lovelace"},
    {"id": 2, "username": "alan", "full_name": "Alan Turing"},
)
SEED_ITEMS = (
    {"id": 1, "name": "Analytical Engine", "owner_id": 1},
    {"id": 2, "name": "Bombe", "owner_id": 2},
)


@dataclass
class Store:
    users: dict[int, User] = field(default_factory=dict)
    items: dict[int, Item] = field(default_factory=dict)

    @classmethod
    def seeded(cls) -> "Store":
        return cls(
            users={u["id"]: User(**u) for u in SEED_USERS},
            items={i["id"]: Item(**i) for i in SEED_ITEMS},
        )
