{{/* The chart's name, or nameOverride. */}}
{{- define "aiservice-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of the release's objects: fullnameOverride, else <release>-<name> (just the release when it holds the name). */}}
{{- define "aiservice-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "aiservice-operator.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "aiservice-operator.labels" -}}
{{ include "aiservice-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- /* Flux builds a chart from Git as <version>+<sha>.<n>: '+' is no label character (Helm's own charts replace it) */}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The operator's image: by digest when one is given (immutable), else by tag (default: the chart's appVersion). */}}
{{- define "aiservice-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "aiservice-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aiservice-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aiservice-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aiservice-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The ServiceMonitor only where the Prometheus Operator's API is served: a real API server refuses unknown kinds. */}}
{{- define "aiservice-operator.serviceMonitor" -}}
{{- if and .Values.metrics.serviceMonitor.enabled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") -}}true{{- end -}}
{{- end -}}

{{/* Annotations of objects that hold or reach data: kept by helm uninstall, never pruned or deleted by Argo CD. */}}
{{- define "aiservice-operator.keepAnnotations" -}}
helm.sh/resource-policy: keep
argocd.argoproj.io/sync-options: Prune=false,Delete=false
{{- end -}}

{{/* The rules the operator needs on the namespaces it manages: exactly the calls it makes. */}}
{{- define "aiservice-operator.rules" -}}
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices]
  verbs: [get, list, watch]
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices/status]
  verbs: [update]
- apiGroups: [ai.dhoch3.de]
  resources: [aimodels]
  # create: the model inbox's records of what it moved (source.upload)
  verbs: [get, list, watch, create, patch, update]
- apiGroups: [ai.dhoch3.de]
  resources: [aimodels/status]
  verbs: [update]
- apiGroups: [ai.dhoch3.de]
  resources: [aimodels/finalizers]
  verbs: [update]
# AIModel downloads and deletions; the download's progress line from its log
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [create, delete, get, list, watch]
# the model inbox's CronJob (inbox.enabled; deleted when the inbox is turned off)
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [get, create, update, delete]
# owner references with blockOwnerDeletion need it where owner-reference permissions are enforced (OpenShift, hardened clusters)
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices/finalizers]
  verbs: [update]
# spec.auth.generate: the token Secret is created once and never read, changed or deleted
- apiGroups: [""]
  resources: [secrets]
  verbs: [create]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, delete]
- apiGroups: [""]
  resources: [services, configmaps]
  verbs: [get, list, watch, create, update, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, update, delete]
- apiGroups: [resource.k8s.io]
  resources: [resourceclaimtemplates]
  verbs: [get, list, watch, create, update, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# create: the AIService's Events; list: kubelet's FailedMount Events of a pod still being set up; watch: the portal's recent Events
- apiGroups: [""]
  resources: [events]
  verbs: [create, list{{ if .Values.portal.enabled }}, watch{{ end }}]
{{- if and .Values.portal.enabled .Values.portal.actions.enabled }}
# the portal's actions, each only after the API server allowed it for the signed-in user (a SubjectAccessReview)
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices]
  verbs: [patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [patch]
{{- end }}
{{- end -}}

{{/*
A storage root for the operator configuration. Helm merges value maps, so a values file that
sets claimName still carries the default hostPath: a claim wins.
*/}}
{{- define "aiservice-operator.volumeRef" -}}
{{- $ref := dict -}}
{{- if .claimName -}}
{{- $_ := set $ref "claimName" .claimName -}}
{{- else -}}
{{- $_ := set $ref "hostPath" .hostPath -}}
{{- end -}}
{{- if .subPath -}}
{{- $_ := set $ref "subPath" .subPath -}}
{{- end -}}
{{- toJson $ref -}}
{{- end -}}

{{/* The images of the operator's own pods: the download image defaults to the operator's image. */}}
{{- define "aiservice-operator.images" -}}
{{- $images := deepCopy .Values.images -}}
{{- if not $images.download -}}
{{- $_ := set $images "download" (include "aiservice-operator.image" .) -}}
{{- end -}}
{{- toJson $images -}}
{{- end -}}

{{/*
The PersistentVolume of a shared volume: named after its claim (namespace and name), not the
release, so that a reinstall under another release name binds the same volumes (a bound claim's
volumeName cannot change). Called with (dict "namespace" ... "name" ...).
*/}}
{{- define "aiservice-operator.volumeName" -}}
{{- printf "%s-%s" .namespace .name | trunc 253 -}}
{{- end }}
