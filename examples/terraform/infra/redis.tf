resource "aws_elasticache_replication_group" "cache" {
  replication_group_id = local.name
  description          = "shop cache"
  engine               = "redis"
  engine_version       = "7.0"
  node_type            = "cache.t4g.micro"
  num_cache_clusters   = 1
  tags                 = local.tags
}
