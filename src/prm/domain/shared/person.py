"""Person value objects shared by patients and practitioners, in FHIR R4 terms."""

from dataclasses import dataclass
from enum import StrEnum

from prm.domain.shared.errors import RuleViolated
from prm.domain.shared.text import tokens


class AdministrativeGender(StrEnum):
    """FHIR R4 AdministrativeGender (http://hl7.org/fhir/administrative-gender)."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanName:
    """FHIR R4 HumanName: given names in order, one family name, prefixes and suffixes.

    At least a given or a family name is required (raises :class:`RuleViolated` on ``name``).
    """

    given: tuple[str, ...] = ()
    family: str | None = None
    prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for part in (*self.given, *self.prefix, *self.suffix, self.family or "x"):
            if not part.strip():
                raise RuleViolated("name parts must not be blank", field="name")
        if not self.given and not self.family:
            raise RuleViolated("a name needs a given or a family name", field="name")

    @property
    def text(self) -> str:
        """The name as displayed: prefixes, given names, family name, suffixes."""
        return " ".join([*self.prefix, *self.given, *([self.family] if self.family else []), *self.suffix])

    def search_tokens(self) -> list[str]:
        """Folded tokens of the given and family names, for prefix matching (see ``text.fold``)."""
        return tokens(" ".join([*self.given, self.family or ""]))
