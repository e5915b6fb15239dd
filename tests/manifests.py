"""Manifests that several test modules lint."""

#: A Job whose log forwarder loops forever as a regular container (SL201), each container sized.
JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: report}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: report
          image: registry.example.com/report:1.0.0
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
        - name: log-forwarder
          image: busybox:1.36
          command: ["sh", "-c", "while true; do sleep 5; done"]
          resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 16Mi}}
"""

#: A Pod with a misspelled container field, `volumeMount` (SL101 at 8:7).
BAD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27
      volumeMount: []
"""
