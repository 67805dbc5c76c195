"""The offline image as the engine sees it: the config Nix declares, the service user,
keelson installed in its Python environment, and nothing writable but /tmp and /app/logs."""

from __future__ import annotations

import json
import tomllib

import offline_image
import pytest
from dockerd import DockerEngine

pytestmark = pytest.mark.slow

CONFIG_KEYS = ("Entrypoint", "User", "Env", "WorkingDir", "Healthcheck", "ExposedPorts", "Labels")

# Run by the image's own Python as its default user: who it is, what it may write.
INSPECT_FILESYSTEM = """
import grp, json, os, pwd, stat
skip = ("/proc", "/sys", "/dev")
writable = []
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
    for name in [*dirs, *files]:
        path = os.path.join(top, name)
        if not os.path.islink(path) and os.access(path, os.W_OK):
            writable.append(path)
    if top != "/" and os.access(top, os.W_OK):
        writable.append(top)
modes = {p: [oct(stat.S_IMODE(os.stat(p).st_mode)), os.stat(p).st_uid] for p in ("/tmp", "/app/logs")}
print(json.dumps({
    "user": pwd.getpwuid(os.getuid()).pw_name,
    "group": grp.getgrgid(os.getgid()).gr_name,
    "ids": [os.getuid(), os.getgid()],
    "writable": sorted(set(writable)),
    "modes": modes,
}))
"""


def test_the_config_is_the_one_nix_image_config_nix_evaluates(
    engine: DockerEngine, image: str
) -> None:
    config = engine.inspect(image)["Config"]
    expected = offline_image.image_config()
    assert {key: config[key] for key in CONFIG_KEYS} == {key: expected[key] for key in CONFIG_KEYS}
    assert config["User"] == "10001:10001"


def test_the_service_user_is_app_and_writes_only_tmp_and_app_logs(
    engine: DockerEngine, image: str
) -> None:
    python = f"{offline_image.STORE_PATHS['pythonEnv']}/bin/python"
    result = engine.docker(
        "run", "--rm", "--network", "none", "--entrypoint", python, image, "-c", INSPECT_FILESYSTEM,
        timeout=300,
    )  # fmt: skip
    seen = json.loads(result.stdout)
    assert seen["user"] == "app"
    assert seen["group"] == "app"
    assert seen["ids"] == [10001, 10001]
    assert seen["modes"] == {"/tmp": ["0o1777", 0], "/app/logs": ["0o750", 10001]}
    assert seen["writable"] == ["/app/logs", "/tmp"]


# Run by the image's own Python: where keelson is imported from, and how it was installed.
INSPECT_KEELSON = """
import json, keelson
from importlib.metadata import distribution
found = distribution("keelson")
print(json.dumps({
    "module": keelson.__file__,
    "version": found.version,
    "direct_url": json.loads(found.read_text("direct_url.json") or "{}"),
}))
"""


def test_keelson_is_a_package_of_the_images_environment_not_an_editable_install(
    engine: DockerEngine, image: str
) -> None:
    """The boot's `python -m keelson` runs the package the environment carries, as
    uv2nix installs it into the Nix image's: at pyproject.toml's version, not a .pth to
    a source tree the image does not have."""
    env = offline_image.STORE_PATHS["pythonEnv"]
    result = engine.docker(
        "run", "--rm", "--network", "none", "--entrypoint", f"{env}/bin/python", image,
        "-c", INSPECT_KEELSON, timeout=300,
    )  # fmt: skip
    seen = json.loads(result.stdout)
    assert seen["module"].startswith(f"{env}/lib/python3.13/site-packages/keelson/"), seen
    pyproject = tomllib.loads((offline_image.REPO / "pyproject.toml").read_text())
    assert seen["version"] == pyproject["project"]["version"]
    assert not seen["direct_url"].get("dir_info", {}).get("editable", False), seen


def test_boot_is_on_the_images_path(engine: DockerEngine, image: str) -> None:
    """`docker exec <c> boot ...` works without a store path: /bin/boot, PATH=/bin."""
    result = engine.docker(
        "run", "--rm", "--network", "none", "--entrypoint", "boot", image, "nonsense",
        check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 64, result.stdout + result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["exit_code"] == 64
    assert "unknown command" in line["message"]
