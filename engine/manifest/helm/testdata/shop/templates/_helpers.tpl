{{- define "shop.postgresql" -}}{{ .Release.Name }}-postgresql{{- end -}}
