variable "tenants" {
  type = map(string)
  default = {
    eu = "15.4"
    us = "16.2"
  }
}

variable "legacy_enabled" {
  default = false
}

resource "aws_db_instance" "legacy" {
  count          = var.legacy_enabled ? 1 : 0
  engine         = "mysql"
  engine_version = "5.7.44"
}

resource "random_password" "tenant" {
  for_each = var.tenants
  length   = 24
}

resource "aws_db_instance" "tenant" {
  for_each       = var.tenants
  engine         = "postgres"
  engine_version = each.value
  db_name        = "tenant_${each.key}"
  username       = "app"
  password       = random_password.tenant[each.key].result
}

resource "aws_elasticache_cluster" "shard" {
  count           = 2
  cluster_id      = "shard-${count.index}"
  engine          = "memcached"
  engine_version  = "1.6.22"
  num_cache_nodes = 1
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  image_uri     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:3"
  environment {
    variables = {
      EU_DATABASE_URL = "postgres://app:${random_password.tenant["eu"].result}@${aws_db_instance.tenant["eu"].endpoint}/${aws_db_instance.tenant["eu"].db_name}"
      US_DB_HOST      = aws_db_instance.tenant["us"].address
      MEMCACHED       = join(",", [for c in aws_elasticache_cluster.shard : "${c.cache_nodes[0].address}:${c.port}"])
      TENANTS         = join(",", sort(keys(var.tenants)))
      LEGACY_COUNT    = length(aws_db_instance.legacy)
    }
  }
}
