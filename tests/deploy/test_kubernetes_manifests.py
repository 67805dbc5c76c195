"""docs/deploy/kubernetes: valid against the Kubernetes API schemas, and the contract
the runtime relies on (probes, migrations in a Job, grace period, non-root, read-only)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy_support import (
    KUBERNETES,
    KUBERNETES_VERSION,
    VERSION,
    documented_default,
    kubernetes_manifest_files,
    kustomization_files,
    load_all,
)

# Every workload that runs the image.
KEELSON_PODS = ["Deployment", "Deployment/worker", "Deployment/beat", "Job"]


def validate(doc: dict[str, Any]) -> None:
    """Strict: an unknown or misspelt field fails as it would in `kubectl apply`."""
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def only_container(pod_spec: dict[str, Any]) -> dict[str, Any]:
    (container,) = pod_spec["containers"]
    return container


def container_env(container: dict[str, Any], config: dict[str, Any]) -> dict[str, str]:
    """The environment a container gets: the ConfigMap, then its own `env` on top."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == config["metadata"]["name"]
        env.update(config["data"])
    env.update({item["name"]: item["value"] for item in container.get("env", [])})
    return env


@pytest.fixture
def deployment(kubernetes_objects) -> dict[str, Any]:
    return kubernetes_objects["Deployment"]


@pytest.fixture
def web(deployment) -> dict[str, Any]:
    return only_container(deployment["spec"]["template"]["spec"])


@pytest.fixture
def job(kubernetes_objects) -> dict[str, Any]:
    return kubernetes_objects["Job"]


@pytest.fixture
def migrate(job) -> dict[str, Any]:
    return only_container(job["spec"]["template"]["spec"])


def test_the_manifests_hold_every_object_the_rollout_needs(kubernetes_objects) -> None:
    assert set(kubernetes_objects) == {
        "ConfigMap",
        "Deployment",
        "Deployment/worker",
        "Deployment/beat",
        "Job",
        "PodDisruptionBudget",
        "Secret",
        "Service",
    }


@pytest.mark.parametrize("path", kubernetes_manifest_files(), ids=lambda path: path.name)
def test_manifest_validates_against_the_kubernetes_schemas(path: Path) -> None:
    for doc in load_all(path):
        validate(doc)


def test_validation_rejects_a_misspelt_field(deployment) -> None:
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {
        "httpGet": {"path": "/ready/", "port": "http"}
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_deployment_runs_two_replicas_that_never_migrate(deployment, web, kubernetes_objects):
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    env = container_env(web, kubernetes_objects["ConfigMap"])
    assert env["RUN_MIGRATIONS"] == "0"
    assert "command" not in web
    assert "args" not in web, "web pods run the image's default: `boot` serves"


def test_readiness_checks_ready_and_liveness_checks_health(web) -> None:
    ready, live, startup = web["readinessProbe"], web["livenessProbe"], web["startupProbe"]
    assert ready["httpGet"] == {"path": "/ready/", "port": "http"}
    assert live["httpGet"] == {"path": "/health/", "port": "http"}
    assert startup["httpGet"] == {"path": "/health/", "port": "http"}
    assert live["failureThreshold"] > ready["failureThreshold"], (
        "a database outage must take pods out of the Service long before it restarts them"
    )
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in web["ports"]


def test_startup_probe_outlasts_the_wait_for_postgresql(web, kubernetes_objects) -> None:
    startup = web["startupProbe"]
    wait = int(
        kubernetes_objects["ConfigMap"]["data"].get(
            "POSTGRES_WAIT_TIMEOUT", documented_default("POSTGRES_WAIT_TIMEOUT")
        )
    )
    assert startup["periodSeconds"] * startup["failureThreshold"] > wait


def test_termination_grace_period_exceeds_drain_and_graceful_timeout(
    deployment, web, kubernetes_objects
) -> None:
    env = container_env(web, kubernetes_objects["ConfigMap"])
    graceful = int(
        env.get("GUNICORN_GRACEFUL_TIMEOUT", documented_default("GUNICORN_GRACEFUL_TIMEOUT"))
    )
    drain = int(env.get("DRAIN_SECONDS", documented_default("DRAIN_SECONDS")))
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert drain > 0, "pods must keep serving while they leave the endpoints"
    assert grace > drain + graceful


def test_the_server_drains_by_itself_without_a_prestop_pause(web) -> None:
    assert "preStop" not in web.get("lifecycle", {}), (
        "DRAIN_SECONDS replaces a preStop sleep; both would add up"
    )


def test_metrics_have_a_port_of_their_own_outside_the_service(web, kubernetes_objects) -> None:
    env = container_env(web, kubernetes_objects["ConfigMap"])
    metrics_port = int(env["METRICS_BIND"].rpartition(":")[2])
    ports = {port["name"]: port["containerPort"] for port in web["ports"]}
    assert ports["metrics"] == metrics_port != ports["http"]
    service_ports = kubernetes_objects["Service"]["spec"]["ports"]
    assert [port["targetPort"] for port in service_ports] == ["http"]


@pytest.mark.parametrize("kind", KEELSON_PODS)
def test_pods_run_as_user_10001_read_only_without_capabilities(kind, kubernetes_objects):
    pod = kubernetes_objects[kind]["spec"]["template"]["spec"]
    container = only_container(pod)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["runAsGroup"] == 10001
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert "add" not in security["capabilities"]
    assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("kind", KEELSON_PODS)
def test_tmp_and_logs_are_writable_empty_dirs(kind, kubernetes_objects) -> None:
    pod = kubernetes_objects[kind]["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in only_container(pod)["volumeMounts"]}
    for path in ("/tmp", documented_default("LOG_DIR")):
        mount = mounts[path]
        assert "emptyDir" in volumes[mount["name"]], f"{path} is not an emptyDir"
        assert not mount.get("readOnly", False)


@pytest.mark.parametrize("kind", KEELSON_PODS)
def test_secrets_arrive_as_read_only_files(kind, kubernetes_objects) -> None:
    pod = kubernetes_objects[kind]["spec"]["template"]["spec"]
    container = only_container(pod)
    env = container_env(container, kubernetes_objects["ConfigMap"])
    assert "SECRET_KEY" not in env
    assert "POSTGRES_PASSWORD" not in env
    secret = kubernetes_objects["Secret"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (mount,) = [m for m in container["volumeMounts"] if "secret" in volumes[m["name"]]]
    assert mount["readOnly"] is True
    assert volumes[mount["name"]]["secret"]["secretName"] == secret["metadata"]["name"]
    for variable, key in (
        ("SECRET_KEY_FILE", "secret_key"),
        ("POSTGRES_PASSWORD_FILE", "postgres_password"),
    ):
        assert env[variable] == f"{mount['mountPath']}/{key}"
        assert key in secret["stringData"]


@pytest.mark.parametrize("kind", KEELSON_PODS)
def test_containers_have_resource_requests_and_limits(kind, kubernetes_objects) -> None:
    resources = only_container(kubernetes_objects[kind]["spec"]["template"]["spec"])["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) >= {"memory"}


def test_gunicorn_workers_are_set_for_the_pod_not_the_node(web, kubernetes_objects) -> None:
    # Gunicorn's default counts the node's CPUs; on a big node that overruns the limit.
    env = container_env(web, kubernetes_objects["ConfigMap"])
    assert int(env["GUNICORN_WORKERS"]) >= 1


def test_job_runs_boot_migrate_once_and_fails_fast_on_a_broken_migration(job, migrate):
    assert migrate["args"] == ["migrate"]
    assert "command" not in migrate, "the image's entrypoint is `boot`"
    spec = job["spec"]
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    (rule,) = spec["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailJob"
    assert {70, 78} <= set(rule["onExitCodes"]["values"])
    assert 69 not in rule["onExitCodes"]["values"], "PostgreSQL not up yet is worth a retry"


def test_job_and_deployment_share_image_and_configuration(web, migrate) -> None:
    assert migrate["image"] == web["image"] == f"keelson:{VERSION}"
    assert migrate["envFrom"] == web["envFrom"]
    # The Job never serves: it has no metrics directory.
    assert migrate["volumeMounts"] == [m for m in web["volumeMounts"] if m["name"] != "metrics"]


def test_service_and_budget_select_the_web_pods(deployment, kubernetes_objects) -> None:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = kubernetes_objects["Service"]["spec"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == "http"
    budget = kubernetes_objects["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["minAvailable"] < deployment["spec"]["replicas"], "a drain must make progress"


@pytest.mark.parametrize(
    "path", kustomization_files(), ids=lambda p: str(p.relative_to(KUBERNETES))
)
def test_kustomization_lists_existing_files_and_the_backend_version(path: Path) -> None:
    kustomization = yaml.safe_load(path.read_text(encoding="utf-8"))
    for resource in kustomization["resources"]:
        assert (path.parent / resource).is_file(), resource
    assert kustomization["images"] == [{"name": "keelson", "newName": "keelson", "newTag": VERSION}]


def test_every_manifest_is_in_a_kustomization_except_the_secret_example() -> None:
    listed = {
        (path.parent / resource).resolve()
        for path in kustomization_files()
        for resource in yaml.safe_load(path.read_text(encoding="utf-8"))["resources"]
    }
    unlisted = {path.name for path in kubernetes_manifest_files() if path.resolve() not in listed}
    assert unlisted == {"secret.example.yaml"}


def test_the_metrics_directory_is_in_memory(deployment, web, kubernetes_objects) -> None:
    env = container_env(web, kubernetes_objects["ConfigMap"])
    directory = env.get("METRICS_DIR", documented_default("METRICS_DIR"))
    pod = deployment["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    (mount,) = [m for m in web["volumeMounts"] if m["mountPath"] == directory]
    assert volumes[mount["name"]]["emptyDir"]["medium"] == "Memory"


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_worker_roles_run_boot_with_their_role_and_its_healthcheck(role, kubernetes_objects):
    deployment = kubernetes_objects[f"Deployment/{role}"]
    container = only_container(deployment["spec"]["template"]["spec"])
    assert container["args"] == [role]
    assert "command" not in container, "the image's entrypoint is `boot`"
    assert container["livenessProbe"]["exec"]["command"] == ["boot", "healthcheck", role]
    env = container_env(container, kubernetes_objects["ConfigMap"])
    assert env["CELERY_BROKER_URL_FILE"] == "/run/secrets/keelson/broker_url"
    assert "broker_url" in kubernetes_objects["Secret"]["stringData"]


def test_the_worker_grace_period_exceeds_the_hard_task_time_limit(kubernetes_objects) -> None:
    worker = kubernetes_objects["Deployment/worker"]
    env = container_env(
        only_container(worker["spec"]["template"]["spec"]), kubernetes_objects["ConfigMap"]
    )
    limit = int(env.get("CELERY_TASK_TIME_LIMIT", documented_default("CELERY_TASK_TIME_LIMIT")))
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > limit


def test_one_beat_replaced_not_overlapped(kubernetes_objects) -> None:
    beat = kubernetes_objects["Deployment/beat"]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"] == {"type": "Recreate"}


def test_web_sends_tasks_to_the_broker_from_the_secret(web, kubernetes_objects) -> None:
    env = container_env(web, kubernetes_objects["ConfigMap"])
    assert env["CELERY_BROKER_URL_FILE"] == "/run/secrets/keelson/broker_url"
