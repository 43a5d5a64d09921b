resource "aws_db_instance" "pg" {
  engine                      = "postgres"
  engine_version              = "16.2"
  db_name                     = "app"
  username                    = "app"
  manage_master_user_password = true
}

resource "random_password" "api" {
  length = 32
}

resource "aws_secretsmanager_secret" "api" {
  name = "prod/api"
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id     = aws_secretsmanager_secret.api.id
  secret_string = jsonencode({ token = random_password.api.result, user = "svc" })
}

resource "aws_ecs_task_definition" "api" {
  family                = "api"
  container_definitions = <<DEFINITION
[
  {
    "name": "api",
    "image": "example/api:7",
    "environment": [
      {"name": "PGHOST", "value": "${aws_db_instance.pg.address}"},
      {"name": "PGPORT", "value": "${aws_db_instance.pg.port}"},
      {"name": "PGUSER", "value": "${aws_db_instance.pg.username}"},
      {"name": "WORKERS", "value": 4}
    ],
    "secrets": [
      {"name": "PGPASSWORD", "valueFrom": "${aws_db_instance.pg.master_user_secret[0].secret_arn}:password::"},
      {"name": "API_TOKEN", "valueFrom": "${aws_secretsmanager_secret.api.arn}:token::"}
    ]
  }
]
DEFINITION
}

resource "aws_ecs_task_definition" "cron" {
  family = "cron"
  container_definitions = templatefile("${path.module}/templates/cron.json.tpl", {
    db_host = aws_db_instance.pg.address
    image   = "example/cron:7"
  })
}
