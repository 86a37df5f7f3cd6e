{{/* The chart's name, or nameOverride. */}}
{{- define "audience.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's resources: release-chart, at most 63 characters. */}}
{{- define "audience.fullname" -}}
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

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "audience.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels every resource of the release carries, whatever its component. */}}
{{- define "audience.baseLabels" -}}
helm.sh/chart: {{ include "audience.chart" . }}
app.kubernetes.io/name: {{ include "audience.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: instant-audience
{{- end }}

{{/* The labels of the API's resources. */}}
{{- define "audience.labels" -}}
{{ include "audience.baseLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{/* The labels that select the API's pods; they never change after install. */}}
{{- define "audience.selectorLabels" -}}
app.kubernetes.io/name: {{ include "audience.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end }}

{{/* The service account's name. */}}
{{- define "audience.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "audience.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the Redis credentials, if any. */}}
{{- define "audience.redisSecret" -}}
{{- if .Values.redis.existingSecret }}
{{- .Values.redis.existingSecret }}
{{- else if .Values.redis.password }}
{{- printf "%s-redis" (include "audience.fullname" .) }}
{{- end }}
{{- end }}

{{/* The bundled Redis's name. */}}
{{- define "audience.redisName" -}}
{{- printf "%s-redis" (include "audience.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Whether more than one replica may run, so that a PDB makes sense. */}}
{{- define "audience.multiReplica" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{- end }}
{{- end }}

{{/*
Checks the store settings: exactly one topology, and a grace period that
covers the shutdown.
*/}}
{{- define "audience.validate" -}}
{{- $n := 0 }}
{{- if .Values.redis.url }}{{ $n = add1 $n }}{{ end }}
{{- if .Values.redis.sentinel.addrs }}{{ $n = add1 $n }}{{ end }}
{{- if .Values.redis.cluster.addrs }}{{ $n = add1 $n }}{{ end }}
{{- if .Values.bundledRedis.enabled }}{{ $n = add1 $n }}{{ end }}
{{- if ne $n 1 }}
{{- fail "set exactly one of redis.url, redis.sentinel.addrs, redis.cluster.addrs and bundledRedis.enabled" }}
{{- end }}
{{- if and .Values.redis.sentinel.addrs (not .Values.redis.sentinel.masterName) }}
{{- fail "redis.sentinel.masterName is required with redis.sentinel.addrs" }}
{{- end }}
{{- $s := .Values.shutdown }}
{{- $need := add $s.preStopSeconds $s.drainSeconds $s.shutdownTimeoutSeconds }}
{{- if lt (int $s.terminationGracePeriodSeconds) (int $need) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%v) must be at least preStopSeconds + drainSeconds + shutdownTimeoutSeconds (%v)" $s.terminationGracePeriodSeconds $need) }}
{{- end }}
{{- end }}
