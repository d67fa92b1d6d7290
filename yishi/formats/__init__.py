"""Our overrides of Django's locale formats (FORMAT_MODULE_PATH); whatever is not set here comes
from Django's own."""
