resource "aws_rds_cluster" "orders" {
  engine          = "aurora-mysql"
  engine_version  = "8.0.mysql_aurora.3.05.2"
  database_name   = "orders"
  master_username = "admin"
  master_password = var.orders_password
}

variable "orders_password" {
  sensitive = true
}

resource "aws_rds_cluster" "ledger" {
  engine                      = "aurora-postgresql"
  engine_version              = "15.4"
  database_name               = "ledger"
  master_username             = "ledger"
  manage_master_user_password = true
}

resource "aws_db_instance" "legacy" {
  engine               = "mariadb"
  engine_version       = "10.11.6"
  db_name              = "legacy"
  username             = "legacy"
  password             = "committed-in-the-repo"
}

resource "aws_db_instance" "reports" {
  engine               = "postgres"
  parameter_group_name = aws_db_parameter_group.reports.name
  username             = "reports"
}

resource "aws_db_parameter_group" "reports" {
  name   = "reports-pg15"
  family = "postgres15"
}

resource "aws_mq_broker" "events" {
  broker_name        = "events"
  engine_type        = "RabbitMQ"
  engine_version     = "3.13"
  host_instance_type = "mq.t3.micro"
  user {
    username = "events"
    password = random_password.mq.result
  }
}

resource "random_password" "mq" {
  length = 20
}

resource "aws_opensearch_domain" "search" {
  domain_name    = "search"
  engine_version = "OpenSearch_2.11"
}

resource "aws_msk_cluster" "stream" {
  cluster_name           = "stream"
  kafka_version          = "3.5.1"
  number_of_broker_nodes = 3
}

resource "aws_docdb_cluster" "docs" {
  engine          = "docdb"
  engine_version  = "5.0.0"
  master_username = "docs"
  master_password = random_password.mq.result
}

resource "aws_elasticache_serverless_cache" "sessions" {
  engine               = "valkey"
  major_engine_version = "8"
}
