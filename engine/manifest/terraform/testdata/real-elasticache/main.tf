# Written for this test after terraform-aws-modules/terraform-aws-elasticache's
# examples (redis-replication-group, memcached-cluster): the module in
# ./module is an excerpt of that repository's main.tf.

resource "random_password" "redis" {
  length  = 32
  special = false
}

module "elasticache" {
  source = "./module"

  replication_group_id = "shop"
  engine_version       = "7.1"
  node_type            = "cache.t4g.small"

  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
  maintenance_window         = "sun:05:00-sun:09:00"
  apply_immediately          = true

  log_delivery_configuration = {
    slow-log = {
      destination_type = "cloudwatch-logs"
      log_format       = "json"
    }
  }

  create_parameter_group = true
  parameter_group_family = "redis7"
  parameters = [
    {
      name  = "latency-tracking"
      value = "yes"
    }
  ]
}

module "memcached" {
  source = "./module"

  cluster_id               = "sessions"
  create_cluster           = true
  create_replication_group = false

  engine          = "memcached"
  engine_version  = "1.6.17"
  node_type       = "cache.t4g.small"
  num_cache_nodes = 2
  az_mode         = "cross-az"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  environment {
    variables = {
      REDIS_HOST     = module.elasticache.replication_group_primary_endpoint_address
      REDIS_PASSWORD = random_password.redis.result
      MEMCACHED      = module.memcached.cluster_address
    }
  }
}
