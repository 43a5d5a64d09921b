e          = "second var-file"
pg_version = "16.4"
