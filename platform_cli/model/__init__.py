"""Pydantic specs: the single source of truth for every file a person writes."""

from .base import Spec
from .blueprint import Blueprint
from .marketplace import Offering, Plan
from .markets import Market, Markets, RegionInfo
from .prices import PriceTable
from .service import BindingRef, RolloutPolicy, Service
from .space import Allocation, Environment, Space
from .workspace import Workspace

ALL_SPECS: tuple[type[Spec], ...] = (Workspace, Blueprint, Offering, Markets, PriceTable, Space, Service)

__all__ = [
    "ALL_SPECS", "Allocation", "BindingRef", "Blueprint", "Environment", "Market", "Markets", "Offering",
    "Plan", "PriceTable", "RegionInfo", "RolloutPolicy", "Service", "Space", "Spec", "Workspace",
]
