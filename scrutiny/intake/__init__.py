"""Response intake: documents recognised by content and bounded before parsing; mailbox and drop-folder sources."""

from scrutiny.intake.inspect import inspect_response
from scrutiny.intake.model import AcceptedDocument, DetectedType, IntakeLimits, RefusedDocument, StoredKind

__all__ = ["AcceptedDocument", "DetectedType", "IntakeLimits", "RefusedDocument", "StoredKind", "inspect_response"]
