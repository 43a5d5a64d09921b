resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "shop-${var.env}"
  description                = "shop cache"
  engine                     = "redis"
  engine_version             = "7.0"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  transit_encryption_enabled = true
  auth_token                 = random_password.cache.result
}

resource "random_password" "cache" {
  length = 40
}
