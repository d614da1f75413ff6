{{/* Name of every object: the release name unless overridden. */}}
{{- define "kvraft.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "kvraft.headless" -}}
{{- printf "%s-peers" (include "kvraft.fullname" .) -}}
{{- end -}}

{{- define "kvraft.selectorLabels" -}}
app.kubernetes.io/name: kvraft
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kvraft.labels" -}}
{{ include "kvraft.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* http, or https when tls.existingSecret is set */}}
{{- define "kvraft.scheme" -}}
{{- if .Values.tls.existingSecret -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{/* Every member as <pod>=<scheme>://<pod>.<headless>:<port>; a member's Raft id is its pod name. */}}
{{- define "kvraft.peers" -}}
{{- $name := include "kvraft.fullname" . -}}
{{- $headless := include "kvraft.headless" . -}}
{{- $scheme := include "kvraft.scheme" . -}}
{{- $peers := list -}}
{{- range $i := until (int .Values.replicaCount) -}}
{{- $peers = append $peers (printf "%s-%d=%s://%s-%d.%s:%d" $name $i $scheme $name $i $headless (int $.Values.port)) -}}
{{- end -}}
{{- join "," $peers -}}
{{- end -}}

{{- define "kvraft.tokenSecret" -}}
{{- default (printf "%s-token" (include "kvraft.fullname" .)) .Values.clusterToken.existingSecret -}}
{{- end -}}

{{/* The token the chart itself stores: the given value, else one random per render (see values.yaml). */}}
{{- define "kvraft.token" -}}
{{- if not .tokenCache -}}
{{- $_ := set . "tokenCache" (default (randAlphaNum 40) .Values.clusterToken.value) -}}
{{- end -}}
{{- .tokenCache -}}
{{- end -}}
