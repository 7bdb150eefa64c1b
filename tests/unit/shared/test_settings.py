from uuid import UUID

import pytest

from prm.settings import DEFAULT_TENANT_ID, Settings, SettingsError


def test_defaults_work_on_a_bare_machine() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert (settings.host, settings.port, settings.default_tenant_id) == ("127.0.0.1", 8000, DEFAULT_TENANT_ID)
    assert not settings.json_logs


def test_values_come_from_prm_variables() -> None:
    settings = Settings.from_env(
        {
            "PRM_PORT": "9001",
            "PRM_ENV": "production",
            "PATH": "/bin",
            "PRM_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "PRM_DEFAULT_TENANT_ID": "6f1c3a52-0d0e-4c55-9d67-7bd6a7b1f2aa",
            "PRM_ACCESS_LOG": "false",
            "PRM_TEST_DATABASE_URL": "ignored",
        }
    )
    assert settings.port == 9001
    assert settings.json_logs
    assert settings.default_tenant_id == UUID("6f1c3a52-0d0e-4c55-9d67-7bd6a7b1f2aa")
    assert settings.access_log is False


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PRM_PORT": "eighty"}, "PRM_PORT"),
        ({"PRM_PORT": "70000"}, "PRM_PORT"),
        ({"PRM_ENV": "staging"}, "PRM_ENV"),
        ({"PRM_DEFAULT_TENANT_ID": "not-a-uuid"}, "PRM_DEFAULT_TENANT_ID"),
        ({"PRM_DEFAULT_PHONE_REGION": "XX"}, "PRM_DEFAULT_PHONE_REGION"),
        ({"PRM_DATABASE_URL": "mysql://x"}, "PRM_DATABASE_URL"),
        ({"PRM_DATABSE_URL": "sqlite+aiosqlite:///x"}, "PRM_DATABSE_URL"),
    ],
)
def test_a_bad_value_names_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    assert str(caught.value).startswith(named + ":")
