[
  {
    "name": "cron",
    "image": "${image}",
    "environment": [
      {"name": "DATABASE_HOST", "value": "${db_host}"}
    ]
  }
]
