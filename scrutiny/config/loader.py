"""Read a committee configuration file and turn every problem into one clear line."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from scrutiny.config.schema import CommitteeConfig
from scrutiny.documents.reading import read_regular_file
from scrutiny.errors import ScrutinyError

MAX_CONFIG_BYTES = 5 << 20  # the bundled committee's file is 20 kB


def load_committee_config(path: Path) -> CommitteeConfig:
    try:
        text = read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise ScrutinyError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ScrutinyError(f"{path}: is a folder, not a configuration file") from None
    except UnicodeDecodeError:
        raise ScrutinyError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ScrutinyError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:  # a NUL byte in the name
        raise ScrutinyError(f"{path!r}: not a usable file name ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except ValueError as exc:  # YAML reads 2027-04-31 as a date and the date is impossible
        raise ScrutinyError(f"{path}: invalid value in the YAML: {exc}") from None
    except RecursionError:
        raise ScrutinyError(f"{path}: invalid YAML: nested too deeply (lists or mappings inside one another)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScrutinyError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScrutinyError(f"{path}: expected a mapping with a 'committee' section at the top")
    try:
        return CommitteeConfig.model_validate(data)
    except ValidationError as exc:
        raise ScrutinyError(f"{path}: {describe_validation_error(exc)}") from None
    except RecursionError:
        raise ScrutinyError(f"{path}: nested too deeply (lists or mappings inside one another)") from None


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{location}: {message}{suffix}" if location else f"{message}{suffix}"
