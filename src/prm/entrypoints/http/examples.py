"""Request examples shown in the OpenAPI document (and so in the interactive docs), by operation.

Each is a complete, valid body: the API tests post every one of them and expect success, so the
docs never show an example that the API would refuse.
"""

from typing import Any

P = "/api/v1/prm"

REQUEST_EXAMPLES: dict[tuple[str, str], Any] = {
    ("POST", f"{P}/auth/login"): {"email": "admin@example.org", "password": "the password make run printed"},
    ("POST", f"{P}/patients"): {
        "name": {"given": ["Alice", "Marie"], "family": "Smith"},
        "mrn": "MRN-000123",
        "gender": "female",
        "birth_date": "1985-04-12",
        "phone": "+44 20 7946 0958",
        "email": "alice.smith@example.org",
        "addresses": [{"use": "home", "line": ["1 High Street"], "city": "London", "postal_code": "N1 9GU"}],
        "preferred_language": "en-GB",
    },
    ("PATCH", f"{P}/patients/{{patient_id}}"): {
        "telecom": [{"system": "phone", "value": "+44 7911 123456", "use": "mobile"}],
        "version": 1,
    },
    ("POST", f"{P}/patients/search"): {"name": "smith", "birth_date": "1985-04-12"},
    ("POST", f"{P}/practitioners"): {
        "first_name": "John",
        "last_name": "Watson",
        "prefix": "Dr.",
        "gender": "male",
        "speciality": "General Practice",
        "license_number": "GMC-7654321",
        "phone_primary": "+44 20 7946 0000",
        "email_primary": "j.watson@example.org",
    },
    ("POST", f"{P}/locations"): {
        "name": "Harley Street clinic",
        "time_zone": "Europe/London",
        "phone": "+44 20 7946 0018",
        "address": {"line": ["10 Harley Street"], "city": "London", "postal_code": "W1G 9PF", "country": "GB"},
    },
    ("POST", f"{P}/admin/users"): {
        "email": "front.desk@example.org",
        "full_name": "Frances Desk",
        "password": "a long passphrase of four words",
        "roles": ["front_desk"],
    },
    ("POST", f"{P}/admin/roles"): {
        "name": "scheduler",
        "description": "Books appointments and keeps the waitlist",
        "permissions": ["appointments:read", "appointments:write", "waitlist:read", "waitlist:write"],
    },
    ("POST", f"{P}/admin/api-keys"): {"name": "hospital ADT feed", "permissions": ["patients:read", "patients:write"]},
}
"""``(METHOD, path template) -> body``."""
