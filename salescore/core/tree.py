"""Materialised-path trees (organisation units, regions): one prefix match finds a subtree."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

STEP = 10


def segment(pk: int) -> str:
    return f"{pk:0{STEP}d}/"


def tree_place(instance: models.Model) -> None:
    """Set path and depth of a freshly saved node (they need its primary key)."""
    parent = instance.parent
    path = (parent.path if parent else "") + segment(instance.pk)
    depth = (parent.depth + 1) if parent else 0
    type(instance).all_objects.filter(pk=instance.pk).update(path=path, depth=depth)
    instance.path, instance.depth = path, depth
    instance._audit_snapshot.update(path=path, depth=depth)


def tree_move(instance: models.Model, new_parent) -> None:
    """Re-root ``instance`` and its whole subtree under ``new_parent`` in one UPDATE."""
    old_path = instance.path
    new_path = (new_parent.path if new_parent else "") + segment(instance.pk)
    depth_delta = ((new_parent.depth + 1) if new_parent else 0) - instance.depth
    type(instance).all_objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_delta,
    )
    instance.path, instance.depth = new_path, instance.depth + depth_delta
    if hasattr(instance, "_audit_snapshot"):
        instance._audit_snapshot.update(path=instance.path, depth=instance.depth)


def is_descendant(node: models.Model, candidate_ancestor: models.Model) -> bool:
    return bool(candidate_ancestor.path) and node.path.startswith(candidate_ancestor.path)
