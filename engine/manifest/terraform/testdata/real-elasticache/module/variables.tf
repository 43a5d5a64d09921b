# The variables module/main.tf uses, declared for this test after
# terraform-aws-modules/terraform-aws-elasticache (Apache-2.0) variables.tf.

variable "create" {
  type    = bool
  default = true
}

variable "create_cluster" {
  type    = bool
  default = false
}

variable "create_replication_group" {
  type    = bool
  default = true
}

variable "cluster_id" {
  type    = string
  default = null
}

variable "replication_group_id" {
  type    = string
  default = null
}

variable "engine" {
  type    = string
  default = "redis"
}

variable "engine_version" {
  type    = string
  default = null
}

variable "port" {
  type    = number
  default = null
}

variable "node_type" {
  type    = string
  default = null
}

variable "num_cache_nodes" {
  type    = number
  default = 1
}

variable "num_cache_clusters" {
  type    = number
  default = null
}

variable "num_node_groups" {
  type    = number
  default = null
}

variable "replicas_per_node_group" {
  type    = number
  default = null
}

variable "cluster_mode_enabled" {
  type    = bool
  default = false
}

variable "multi_az_enabled" {
  type    = bool
  default = false
}

variable "automatic_failover_enabled" {
  type    = bool
  default = null
}

variable "at_rest_encryption_enabled" {
  type    = bool
  default = true
}

variable "kms_key_arn" {
  type    = string
  default = null
}

variable "transit_encryption_enabled" {
  type    = bool
  default = true
}

variable "auth_token" {
  type    = string
  default = null
}

variable "description" {
  type    = string
  default = null
}

variable "apply_immediately" {
  type    = bool
  default = null
}

variable "auto_minor_version_upgrade" {
  type    = bool
  default = null
}

variable "availability_zone" {
  type    = string
  default = null
}

variable "az_mode" {
  type    = string
  default = null
}

variable "final_snapshot_identifier" {
  type    = string
  default = null
}

variable "ip_discovery" {
  type    = string
  default = null
}

variable "network_type" {
  type    = string
  default = null
}

variable "maintenance_window" {
  type    = string
  default = null
}

variable "notification_topic_arn" {
  type    = string
  default = null
}

variable "preferred_availability_zones" {
  type    = list(string)
  default = []
}

variable "snapshot_retention_limit" {
  type    = number
  default = null
}

variable "log_delivery_configuration" {
  type    = any
  default = {}
}

variable "create_primary_global_replication_group" {
  type    = bool
  default = false
}

variable "create_secondary_global_replication_group" {
  type    = bool
  default = false
}

variable "create_parameter_group" {
  type    = bool
  default = false
}

variable "parameter_group_name" {
  type    = string
  default = null
}

variable "parameter_group_family" {
  type    = string
  default = ""
}

variable "parameter_group_description" {
  type    = string
  default = null
}

variable "parameters" {
  type    = list(map(string))
  default = []
}

variable "create_subnet_group" {
  type    = bool
  default = true
}

variable "subnet_group_name" {
  type    = string
  default = null
}

variable "subnet_group_description" {
  type    = string
  default = null
}

variable "subnet_ids" {
  type    = list(string)
  default = []
}

variable "create_security_group" {
  type    = bool
  default = true
}

variable "security_group_ids" {
  type    = list(string)
  default = []
}

variable "security_group_name" {
  type    = string
  default = null
}

variable "security_group_use_name_prefix" {
  type    = bool
  default = true
}

variable "security_group_description" {
  type    = string
  default = null
}

variable "vpc_id" {
  type    = string
  default = null
}

variable "security_group_tags" {
  type    = map(string)
  default = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}
