{{- define "shop.postgres" -}}{{ .Release.Name }}-postgres{{- end -}}
{{- define "shop.redis" -}}{{ .Release.Name }}-redis{{- end -}}
