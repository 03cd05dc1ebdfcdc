{{/* Names, labels and small checks shared by every template. */}}

{{- define "esplane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "esplane.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "esplane.labels" -}}
app.kubernetes.io/name: {{ include "esplane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: operator or agent. */}}
{{- define "esplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "esplane.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The two modes; anything else stops the render with a message that names the value. */}}
{{- define "esplane.dataplane" -}}
{{- if not (has .Values.dataplane (list "dpdk" "kernel")) -}}
{{- fail (printf "dataplane must be dpdk or kernel, not %q" (toString .Values.dataplane)) -}}
{{- end -}}
{{- .Values.dataplane -}}
{{- end -}}

{{- define "esplane.hugepageSize" -}}
{{- $s := .Values.agent.dpdk.hugepageSize -}}
{{- if not (has $s (list "2Mi" "1Gi")) -}}
{{- fail (printf "agent.dpdk.hugepageSize must be 2Mi or 1Gi, not %q" (toString $s)) -}}
{{- end -}}
{{- $s -}}
{{- end -}}
