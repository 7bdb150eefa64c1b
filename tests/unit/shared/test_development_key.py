"""The development signing key is random, made once, and readable by its owner alone."""

import hashlib
import os
import stat
from pathlib import Path

import pytest

from prm.adapters.security.development_key import FILE_NAME, DevelopmentKeyError, development_key
from prm.settings import Settings, SettingsError


def test_the_key_is_random_and_kept_in_a_file_only_its_owner_reads(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    key = development_key(str(folder))
    path = folder / FILE_NAME
    assert len(key) >= 43
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert development_key(str(tmp_path / "other")) != key


def test_a_restart_keeps_the_key(tmp_path: Path) -> None:
    first = Settings(env="development", state_dir=str(tmp_path)).signing_keys()
    development_key.cache_clear()
    assert Settings(env="development", state_dir=str(tmp_path)).signing_keys() == first


def test_the_key_is_not_derived_from_anything_a_caller_knows(tmp_path: Path) -> None:
    settings = Settings(env="development", state_dir=str(tmp_path))
    secret = settings.signing_keys()["dev"]
    guessable = {
        hashlib.sha256(f"prm-development-only:{settings.database_url}".encode()).hexdigest(),
        settings.database_url,
        str(settings.default_tenant_id),
    }
    assert secret not in guessable


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    development_key(str(tmp_path))
    os.chmod(tmp_path / FILE_NAME, 0o644)
    development_key.cache_clear()
    with pytest.raises(DevelopmentKeyError, match="readable by others"):
        development_key(str(tmp_path))
    with pytest.raises(SettingsError, match="PRM_STATE_DIR"):
        Settings(env="development", state_dir=str(tmp_path)).signing_keys()


def test_production_still_needs_configured_keys(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PRM_JWT_KEYS"):
        Settings(env="production", state_dir=str(tmp_path)).signing_keys()


def test_test_runs_use_a_random_key_of_the_process() -> None:
    assert Settings(env="test").signing_keys() == Settings(env="test").signing_keys()
