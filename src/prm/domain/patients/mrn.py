"""Medical record numbers assigned by PRM when the registering system gives none."""

import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def generate_mrn() -> str:
    """A random 10-character MRN such as ``"PRM4K7Q2ZC9"`` (prefix ``PRM``; 2^35 values).

    Random rather than time-ordered, so that it reveals nothing about the patient.
    Uniqueness per tenant is enforced by the repository.
    """
    return "PRM" + "".join(secrets.choice(_ALPHABET) for _ in range(7))
