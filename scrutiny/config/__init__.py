"""Committee configuration: a data file, validated on load."""

from scrutiny.config.loader import load_committee_config
from scrutiny.config.schema import CommitteeConfig

__all__ = ["CommitteeConfig", "load_committee_config"]
