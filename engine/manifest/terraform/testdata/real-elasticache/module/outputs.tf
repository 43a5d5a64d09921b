# Excerpt of terraform-aws-modules/terraform-aws-elasticache (Apache-2.0) outputs.tf.

output "replication_group_primary_endpoint_address" {
  value = try(aws_elasticache_replication_group.this[0].primary_endpoint_address, null)
}

output "cluster_address" {
  value = try(aws_elasticache_cluster.this[0].cluster_address, null)
}
