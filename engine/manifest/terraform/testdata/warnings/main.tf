module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
  name    = "shop"
}

locals {
  versions = { mysql = "8.0.35" }
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  engine_version = lookup(local.versions, "postgres")
  username       = "shop"
  password       = data.aws_secretsmanager_secret_version.db.secret_string
}

resource "aws_elasticache_replication_group" "cache" {
  count          = length(module.vpc.private_subnets)
  engine_version = "7.1"
}

data "aws_secretsmanager_secret_version" "db" {
  secret_id = "prod/db"
}

resource "aws_dynamodb_table" "sessions" {
  name = "sessions"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_db_instance" "reporting" {
  engine         = "sqlserver-ex"
  engine_version = "15.00"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  environment {
    variables = {
      SUBNETS = join(",", module.vpc.private_subnets)
      DB_USER = aws_db_instance.main.username
    }
  }
}
