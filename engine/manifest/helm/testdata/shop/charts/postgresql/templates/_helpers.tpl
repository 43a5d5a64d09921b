{{- define "postgresql.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
{{- define "postgresql.image" -}}{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
