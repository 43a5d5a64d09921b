[
  {
    "essential": true,
    "name": "web",
    "image": "${REPOSITORY_URL}:latest",
    "environment": [
      { "name": "MYSQL_HOST", "value": "${MYSQL_HOST}" },
      { "name": "MYSQL_PORT", "value": "${MYSQL_PORT}" },
      { "name": "MYSQL_PASSWORD", "value": "${MYSQL_PASSWORD}" },
      { "name": "AWS_S3_ACCESS_KEY_ID", "value": "${AWS_S3_ACCESS_KEY_ID}" }
    ]
  }
]
