"""Example apps at run time: loading them, one sandbox per reader, the /examples mount."""
