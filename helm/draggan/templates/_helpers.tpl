{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "draggan.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless it already contains it. */}}
{{- define "draggan.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "draggan.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "draggan.labels" -}}
helm.sh/chart: {{ include "draggan.chart" . }}
{{ include "draggan.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: draggan
{{- end }}

{{- define "draggan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "draggan.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component; call with (dict "root" $ "component" "inference"). */}}
{{- define "draggan.componentLabels" -}}
{{ include "draggan.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "draggan.componentSelectorLabels" -}}
{{ include "draggan.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Object names. */}}
{{- define "draggan.inference.fullname" -}}
{{- printf "%s-inference" (include "draggan.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "draggan.inference.headlessName" -}}
{{- printf "%s-inference-headless" (include "draggan.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "draggan.sessions.fullname" -}}
{{- printf "%s-sessions" (include "draggan.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "draggan.redis.fullname" -}}
{{- printf "%s-redis" (include "draggan.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret holding the bundled Redis's password: one the user names, or the chart's own. */}}
{{- define "draggan.redis.authSecretName" -}}
{{- if .Values.redis.bundled.auth.existingSecret }}
{{- .Values.redis.bundled.auth.existingSecret }}
{{- else }}
{{- printf "%s-auth" (include "draggan.redis.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The Secret holding the session service's API keys (and an external Redis connection string). */}}
{{- define "draggan.sessions.secretName" -}}
{{- if .Values.sessions.existingSecret }}
{{- .Values.sessions.existingSecret }}
{{- else }}
{{- include "draggan.sessions.fullname" . }}
{{- end }}
{{- end }}

{{/* Where the session service finds the inference replicas: the headless Service, client-side round robin. */}}
{{- define "draggan.inference.address" -}}
{{- printf "dns:///%s.%s.svc.%s:%d" (include "draggan.inference.headlessName" .) .Release.Namespace .Values.clusterDomain (int .Values.inference.ports.grpc) }}
{{- end }}

{{- define "draggan.image" -}}
{{- printf "%s:%s" .repository (toString .tag) }}
{{- end }}

{{/* The file a fetched model is saved as, as deploy/docker/inference-entrypoint.sh names it. */}}
{{- define "draggan.fetchedModelFile" -}}
{{- $path := regexReplaceAll "[?#].*$" .url "" -}}
{{- printf "%s.%s" .name (ternary "safetensors" "pkl" (hasSuffix ".safetensors" $path)) }}
{{- end }}

{{/* The extended resource an inference replica requests: whole GPUs, a MIG instance or a time-sliced share. */}}
{{- define "draggan.inference.gpuResource" -}}
{{- $gpu := .Values.inference.gpu }}
{{- if and (ne $gpu.sharing "none") (ne (int $gpu.count) 1) }}
{{- fail (printf "inference.gpu.count must be 1 with inference.gpu.sharing %s: a shared GPU is requested one slice at a time" $gpu.sharing) }}
{{- end }}
{{- if eq $gpu.sharing "mig" }}
{{- printf "nvidia.com/mig-%s" $gpu.migProfile }}
{{- else if eq $gpu.sharing "timeSlicing" }}
{{- $gpu.timeSlicingResourceName }}
{{- else }}
{{- $gpu.resourceName }}
{{- end }}
{{- end }}
