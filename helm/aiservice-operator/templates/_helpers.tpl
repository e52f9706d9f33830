{{/* Name of the release's objects. */}}
{{- define "aiservice-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aiservice-operator.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aiservice-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aiservice-operator.serviceAccountName" -}}
{{- default (include "aiservice-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* Leader election whenever more than one replica could reconcile at once. */}}
{{- define "aiservice-operator.leaderElection" -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.leaderElection.enabled -}}true{{- end -}}
{{- end -}}

{{/* The rules the operator needs on the namespaces it manages: exactly the calls it makes. */}}
{{- define "aiservice-operator.rules" -}}
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices]
  verbs: [get, list, watch]
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices/status]
  verbs: [update]
# owner references with blockOwnerDeletion need it where owner-reference permissions are enforced (OpenShift, hardened clusters)
- apiGroups: [ai.dhoch3.de]
  resources: [aiservices/finalizers]
  verbs: [update]
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
# create: the AIService's Events; list: kubelet's FailedMount Events of a pod still being set up
- apiGroups: [""]
  resources: [events]
  verbs: [create, list]
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
