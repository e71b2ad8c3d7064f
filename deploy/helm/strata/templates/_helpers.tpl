{{- define "strata.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "strata.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "strata.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "strata.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "strata.secretName" -}}
{{- if .Values.repositorySecret.existingSecret -}}{{ .Values.repositorySecret.existingSecret }}{{- else -}}{{ include "strata.fullname" . }}-repository{{- end -}}
{{- end -}}

{{/* Volumes every Strata pod mounts: the configuration, the secrets, and a writable /tmp. */}}
{{- define "strata.volumes" -}}
- name: config
  configMap:
    name: {{ include "strata.fullname" . }}-config
- name: secrets
  secret:
    secretName: {{ include "strata.secretName" . }}
    defaultMode: 0400
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "strata.volumeMounts" -}}
- name: config
  mountPath: /etc/strata/strata.yaml
  subPath: strata.yaml
  readOnly: true
- name: secrets
  mountPath: /etc/strata/secrets
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}
