"""Letters: the context a template sees, rendering and template checking."""
