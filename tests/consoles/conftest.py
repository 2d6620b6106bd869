from collections.abc import AsyncIterator

import pytest

from kb.sandbox import examples
from kb.settings import Settings

MOUNT = "/examples/greeting"


@pytest.fixture
async def greeter(site_settings: Settings) -> AsyncIterator[examples.RunningApp]:
    """The site fixture's greeting example, started as the KB starts one."""
    running = examples.RunningApps()
    app = await running.start("greeting", examples.build(site_settings.examples_dir, "greeter"))
    yield app
    await running.aclose()
