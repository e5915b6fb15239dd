"""Custom resources that carry sidecars: where their containers are, their roles, and
which rules judge them.

Each manifest reproduces the shape of the project's own examples (Argo Workflows'
sidecar walk-through, Tekton's docker-in-docker Task, ECK's customised pod templates,
KServe's predictors, the Prometheus Operator's container patches, the Spark and Flink
operators' pod templates). The whole rule set runs on each, so a finding that should
not be there fails the test as surely as a missing one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sidecar_lint.cli import main
from sidecar_lint.document import Document, SourceFile
from sidecar_lint.findings import Finding
from sidecar_lint.loading import load_source
from sidecar_lint.model import Role
from sidecar_lint.workload import iter_workloads
from tests.conftest import lint


def _codes(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.span.start_line, f.span.start_col) for f in findings]


def _document(text: str) -> Document:
    import textwrap

    (doc,) = load_source(SourceFile("crd.yaml", textwrap.dedent(text))).documents
    return doc


def _roles(text: str) -> list[list[tuple[str, str, Role]]]:
    """Per pod template: (list, name, role) of every container."""
    return [
        [(c.list_key, c.name, c.role) for c in w.containers]
        for w in iter_workloads(_document(text))
    ]


ARGO_WORKFLOW = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata:
      generateName: integration-test-
    spec:
      entrypoint: test
      templates:
        - name: test
          container:
            image: alpine:3.20
            command: [sh, -c]
            args: ["until nc -z localhost 6379; do sleep 1; done; echo ready"]
            resources:
              requests: {cpu: 100m, memory: 64Mi}
              limits: {memory: 64Mi}
          sidecars:
            - name: redis
              image: redis:7.4
              resources:
                requests: {cpu: 50m, memory: 64Mi}
                limits: {memory: 64Mi}
            - name: istio-proxy
              image: docker.io/istio/proxyv2:1.23.0
              resources:
                requests: {cpu: 50m, memory: 64Mi}
                limits: {memory: 64Mi}
"""


def test_argo_sidecars_are_sidecars_by_definition_and_never_block_the_workflow() -> None:
    assert _roles(ARGO_WORKFLOW) == [
        [
            ("containers", "main", Role.MAIN),
            ("containers", "redis", Role.SIDECAR),
            ("containers", "istio-proxy", Role.SIDECAR),
        ]
    ]
    (w,) = iter_workloads(_document(ARGO_WORKFLOW))
    assert w.runs_to_completion
    assert w.containers[1].reasons == ("Argo Workflows sidecars field",)
    # The Istio proxy would hold a Job open forever; Argo stops it, so SL201 says nothing.
    assert lint(ARGO_WORKFLOW) == []


def test_the_same_istio_proxy_in_a_job_still_fires() -> None:
    """The control: SL201 judges the same containers when nothing stops them."""
    job = """\
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: integration-test
        spec:
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: integration-test
                  image: alpine:3.20
                  command: [sh, -c, "echo done"]
                - name: istio-proxy
                  image: docker.io/istio/proxyv2:1.23.0
    """
    assert [f.code for f in lint(job, select=["SL201"])] == ["SL201"]


def test_argo_steps_inline_and_cron_workflows_are_each_a_pod() -> None:
    text = """\
        apiVersion: argoproj.io/v1alpha1
        kind: CronWorkflow
        metadata:
          name: nightly
        spec:
          schedules: ["0 2 * * *"]
          workflowSpec:
            entrypoint: main
            templates:
              - name: main
                steps:
                  - - name: build
                      inline:
                        script:
                          image: python:3.12
                          command: [python]
                          source: print("built")
                        sidecars:
                          - name: fluent-bit
                            image: fluent/fluent-bit:3.1
              - name: report
                containerSet:
                  containers:
                    - name: collect
                      image: alpine:3.20
                    - name: upload
                      image: alpine:3.20
    """
    assert _roles(text) == [
        # The `steps` template itself runs no pod and is not listed.
        [("containers", "collect", Role.MAIN), ("containers", "upload", Role.MAIN)],
        [("containers", "main", Role.MAIN), ("containers", "fluent-bit", Role.SIDECAR)],
    ]
    # fluent-bit mounts nothing the script does, and reserves nothing.
    assert _codes(lint(text)) == [("SL301", 19, 27), ("SL402", 19, 27)]


TEKTON_TASK = """\
    apiVersion: tekton.dev/v1
    kind: Task
    metadata:
      name: docker-build
    spec:
      params:
        - name: image
          type: string
      steps:
        - name: build
          image: docker.io/library/docker:27.3
          env:
            - name: DOCKER_HOST
              value: tcp://localhost:2376
          script: |
            docker build -t "$(params.image)" .
          computeResources:
            requests: {cpu: 500m, memory: 512Mi}
          volumeMounts:
            - name: dind-certs
              mountPath: /certs/client
        - name: push
          image: docker.io/library/docker:27.3
          script: |
            docker push "$(params.image)"
      sidecars:
        - name: server
          image: docker.io/library/docker:27.3-dind
          securityContext:
            privileged: true
          computeResources:
            requests: {cpu: 500m, memory: 512Mi}
          volumeMounts:
            - name: dind-certs
              mountPath: /certs/client
          readinessProbe:
            periodSeconds: 1
            exec:
              command: [ls, /certs/client/ca.pem]
      volumes:
        - name: dind-certs
          emptyDir: {}
"""


def test_tekton_task_steps_are_main_and_sidecars_stop_with_them() -> None:
    assert _roles(TEKTON_TASK) == [
        [
            ("containers", "build", Role.MAIN),
            ("containers", "push", Role.MAIN),
            ("containers", "server", Role.SIDECAR),
        ]
    ]
    assert lint(TEKTON_TASK) == []


def test_tekton_sidecar_running_forever_is_not_a_never_ending_job() -> None:
    text = """\
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
          generateName: e2e-
        spec:
          pipelineSpec:
            tasks:
              - name: e2e
                taskSpec:
                  steps:
                    - name: test
                      image: golang:1.23
                      script: go test ./...
                  sidecars:
                    - name: postgres
                      image: postgres:17
                    - name: tail
                      image: busybox:1.36
                      command: [sh, -c, "while true; do sleep 3600; done"]
            finally:
              - name: notify
                taskRef:
                  name: send-to-slack
    """
    (w,) = iter_workloads(_document(text))
    assert w.template_pointer == ("spec", "pipelineSpec", "tasks", 0, "taskSpec")
    assert [c.role for c in w.containers] == [Role.MAIN, Role.SIDECAR, Role.SIDECAR]
    assert lint(text, select=["SL201"]) == []


ECK_ELASTICSEARCH = """\
    apiVersion: elasticsearch.k8s.elastic.co/v1
    kind: Elasticsearch
    metadata:
      name: logging
    spec:
      version: 8.15.3
      nodeSets:
        - name: masters
          count: 3
          podTemplate:
            spec:
              containers:
                - name: elasticsearch
                  resources:
                    requests: {cpu: "1", memory: 4Gi}
                    limits: {memory: 4Gi}
        - name: data
          count: 2
          podTemplate:
            spec:
              containers:
                - name: elasticsearch
                  env:
                    - name: ES_JAVA_OPTS
                      value: -Xms2g -Xmx2g
                - name: filebeat
                  image: docker.elastic.co/beats/filebeat:8.15.3
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
                    limits: {memory: 128Mi}
                  volumeMounts:
                    - name: filebeat-registry
                      mountPath: /usr/share/filebeat/data
              volumes:
                - name: filebeat-registry
                  emptyDir: {}
"""


def test_eck_sidecar_sharing_no_volume_with_elasticsearch() -> None:
    assert _roles(ECK_ELASTICSEARCH) == [
        [("containers", "elasticsearch", Role.MAIN)],
        [("containers", "elasticsearch", Role.MAIN), ("containers", "filebeat", Role.SIDECAR)],
    ]
    findings = lint(ECK_ELASTICSEARCH)
    assert _codes(findings) == [("SL301", 31, 15)]
    assert "'filebeat'" in findings[0].message
    assert "'elasticsearch'" in findings[0].message


def test_eck_sidecar_mounting_the_operators_log_volume_is_not_judged() -> None:
    """``elasticsearch-logs`` is declared by ECK and mounted in its main container."""
    text = ECK_ELASTICSEARCH.replace(
        "name: filebeat-registry\n                      mountPath: /usr/share/filebeat/data",
        "name: elasticsearch-logs\n                      mountPath: /usr/share/elasticsearch/logs",
    )
    assert "elasticsearch-logs" in text
    assert lint(text) == []


def test_eck_main_container_is_the_operators_even_when_not_listed() -> None:
    text = """\
        apiVersion: kibana.k8s.elastic.co/v1
        kind: Kibana
        metadata:
          name: kibana
        spec:
          version: 8.15.3
          count: 1
          podTemplate:
            spec:
              containers:
                - name: oauth2-proxy
                  image: quay.io/oauth2-proxy/oauth2-proxy:v7.7.1
                - name: worker
                  image: example.com/worker:1.0
    """
    # Alone in the list, a container would be main; here Kibana's own container is.
    assert _roles(text) == [
        [("containers", "oauth2-proxy", Role.SIDECAR), ("containers", "worker", Role.UNKNOWN)]
    ]


def test_eck_agent_and_beat_templates_under_deployment_and_daemonset() -> None:
    text = """\
        apiVersion: beat.k8s.elastic.co/v1beta1
        kind: Beat
        metadata:
          name: metrics
        spec:
          type: metricbeat
          version: 8.15.3
          daemonSet:
            podTemplate:
              spec:
                containers:
                  - name: metricbeat
                    securityContext:
                      runAsUser: 0
    """
    (w,) = iter_workloads(_document(text))
    assert w.template_pointer == ("spec", "daemonSet", "podTemplate")
    assert [(c.name, c.role) for c in w.containers] == [("metricbeat", Role.MAIN)]


KSERVE = """\
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata:
      name: sklearn-iris
    spec:
      predictor:
        minReplicas: 1
        sklearn:
          storageUri: gs://example-models/sklearn/iris
          resources:
            requests: {cpu: 100m, memory: 256Mi}
            limits: {memory: 256Mi}
        containers:
          - name: cloud-sql-proxy
            image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0
      transformer:
        containers:
          - name: kserve-container
            image: example.com/iris-transformer:1.2
            args: [--model_name, sklearn-iris]
"""


def test_kserve_model_server_is_main_and_extra_containers_are_judged_next_to_it() -> None:
    assert _roles(KSERVE) == [
        [
            ("containers", "kserve-container", Role.MAIN),
            ("containers", "cloud-sql-proxy", Role.SIDECAR),
        ],
        [("containers", "kserve-container", Role.MAIN)],
    ]
    assert [(f.code, f.container) for f in lint(KSERVE)] == [("SL402", "cloud-sql-proxy")]


PROMETHEUS = """\
    apiVersion: monitoring.coreos.com/v1
    kind: Prometheus
    metadata:
      name: k8s
    spec:
      replicas: 2
      resources:
        requests: {memory: 2Gi}
      containers:
        - name: prometheus
          startupProbe:
            failureThreshold: 120
        - name: config-reloader
          args: [--log-level=debug]
        - name: oauth-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.7.1
          args: [--upstream=http://localhost:9090]
          resources:
            requests: {cpu: 10m, memory: 32Mi}
            limits: {memory: 32Mi}
"""


def test_prometheus_patches_are_partial_and_added_containers_are_full() -> None:
    roles = _roles(PROMETHEUS)
    assert roles == [
        [
            ("containers", "prometheus", Role.MAIN),
            ("containers", "config-reloader", Role.SIDECAR),
            ("containers", "oauth-proxy", Role.SIDECAR),
        ]
    ]
    # A patch has no image, no resources: the operator fills them. Nothing to report.
    assert lint(PROMETHEUS) == []
    # The added container is judged as a full one.
    unpinned = PROMETHEUS.replace("oauth2-proxy:v7.7.1", "oauth2-proxy:latest")
    assert [(f.code, f.container) for f in lint(unpinned)] == [("SL502", "oauth-proxy")]
    # ``spec.resources`` is the prometheus container's, not the pod's: it covers no sidecar.
    bare = PROMETHEUS.replace(
        "          resources:\n            requests: {cpu: 10m, memory: 32Mi}\n"
        "            limits: {memory: 32Mi}\n",
        "",
    )
    assert "32Mi" not in bare
    assert [(f.code, f.container) for f in lint(bare)] == [("SL402", "oauth-proxy")]


SPARK = """\
    apiVersion: sparkoperator.k8s.io/v1beta2
    kind: SparkApplication
    metadata:
      name: spark-pi
    spec:
      type: Scala
      mode: cluster
      image: spark:3.5.3
      mainClass: org.apache.spark.examples.SparkPi
      mainApplicationFile: local:///opt/spark/examples/jars/spark-examples_2.12-3.5.3.jar
      sparkVersion: 3.5.3
      driver:
        cores: 1
        memory: 512m
        sidecars:
          - name: fluent-bit
            image: fluent/fluent-bit:3.1.9
            resources:
              requests: {cpu: 50m, memory: 64Mi}
              limits: {memory: 64Mi}
      executor:
        instances: 2
        cores: 1
        memory: 512m
        template:
          spec:
            containers:
              - name: spark-kubernetes-executor
              - name: statsd-exporter
                image: prom/statsd-exporter:v0.27.1
"""


def test_spark_sidecars_are_never_stopped_by_the_operator() -> None:
    assert _roles(SPARK) == [
        [("containers", "fluent-bit", Role.SIDECAR)],
        [
            ("containers", "spark-kubernetes-executor", Role.MAIN),
            ("containers", "statsd-exporter", Role.SIDECAR),
        ],
    ]
    findings = lint(SPARK, select=["SL201"])
    assert _codes(findings) == [("SL201", 16, 9)]
    assert "the pod holds its node's resources" in findings[0].message
    assert "SparkApplication" in findings[0].message


FLINK = """\
    apiVersion: flink.apache.org/v1beta1
    kind: FlinkDeployment
    metadata:
      name: logs-to-stdout
    spec:
      image: flink:1.20
      flinkVersion: v1_20
      podTemplate:
        apiVersion: v1
        kind: Pod
        metadata:
          name: pod-template
        spec:
          containers:
            - name: flink-main-container
              volumeMounts:
                - name: flink-logs
                  mountPath: /opt/flink/log
            - name: fluent-bit
              image: fluent/fluent-bit:3.1.9
              resources:
                requests: {cpu: 50m, memory: 64Mi}
                limits: {memory: 64Mi}
              volumeMounts:
                - name: flink-logs
                  mountPath: /flink-logs
          volumes:
            - name: flink-logs
              emptyDir: {}
      taskManager:
        resource: {memory: 2048m, cpu: 1}
        podTemplate:
          apiVersion: v1
          kind: Pod
          spec:
            initContainers:
              - name: fetch-udfs
                image: busybox:1.36
                command: [sh, -c, "wget -O /udf/udfs.jar http://artifacts/udfs.jar"]
"""


def test_flink_pod_templates_are_whole_pods_with_the_main_container_by_name() -> None:
    assert _roles(FLINK) == [
        [
            ("containers", "flink-main-container", Role.MAIN),
            ("containers", "fluent-bit", Role.SIDECAR),
        ],
        [("initContainers", "fetch-udfs", Role.INIT)],
    ]
    # apiVersion/kind of the Pod object are Flink's format, not unknown PodTemplateSpec keys.
    assert lint(FLINK) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [(ARGO_WORKFLOW, "Workflow"), (TEKTON_TASK, "Task"), (PROMETHEUS, "Prometheus")],
)
def test_unknown_field_is_not_judged_on_custom_schemas(text: str, kind: str) -> None:
    """Argo's ``script``, Tekton's ``computeResources``, Prometheus' own spec fields."""
    assert lint(text, select=["SL101"]) == []
    (w, *_) = iter_workloads(_document(text))
    assert w.ref.kind == kind and "unknown_field" in w.kind.unjudged


def test_show_roles_lists_custom_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import textwrap

    (tmp_path / "wf.yaml").write_text(textwrap.dedent(ARGO_WORKFLOW), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--show-roles", "--format", "json", "wf.yaml"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["object"] == "Workflow <unnamed>"
    assert entry["podTemplate"] == "spec.templates[0]"
    assert entry["runsToCompletion"] is True
    assert [(c["name"], c["role"], c["reasons"]) for c in entry["containers"]] == [
        ("main", "main", ["the Argo Workflows template's container (run as 'main')"]),
        ("redis", "sidecar", ["Argo Workflows sidecars field"]),
        ("istio-proxy", "sidecar", ["Argo Workflows sidecars field"]),
    ]
