"""Try blocks run: the in-process ASGI call, the console's result, `kb check`."""
