"""What other areas may use of the schemas area: the binding that applies to an entity, and the annotations
its schema derives for it (also plugged into the entities' ``DERIVED_ANNOTATIONS`` hook)."""

from .bindings import nearest_binding
from .checks import derived_annotations
from .records import Binding

__all__ = ["Binding", "derived_annotations", "nearest_binding"]
