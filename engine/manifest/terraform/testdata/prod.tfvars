e = "var-file"
