# The variables modules/db_instance/main.tf uses, with the defaults of
# terraform-aws-modules/terraform-aws-rds (Apache-2.0) modules/db_instance/variables.tf
# at 89b4858ec65c0fdbc83d5c565ccae0a4ca6b2c53 (descriptions left out).

variable "create" {
  type    = bool
  default = true
}

variable "identifier" {
  type    = string
}

variable "allocated_storage" {
  type    = string
  default = null
}

variable "storage_type" {
  type    = string
  default = null
}

variable "storage_encrypted" {
  type    = bool
  default = true
}

variable "kms_key_id" {
  type    = string
  default = null
}

variable "iam_database_authentication_enabled" {
  type    = bool
  default = false
}

variable "engine" {
  type    = string
  default = null
}

variable "engine_version" {
  type    = string
  default = null
}

variable "instance_class" {
  type    = string
  default = null
}

variable "db_name" {
  type    = string
  default = null
}

variable "username" {
  type    = string
  default = null
}

variable "password" {
  type    = string
  default = null
}

variable "port" {
  type    = string
  default = null
}

variable "vpc_security_group_ids" {
  type    = list(string)
  default = []
}

variable "db_subnet_group_name" {
  type    = string
  default = null
}

variable "parameter_group_name" {
  type    = string
  default = null
}

variable "multi_az" {
  type    = bool
  default = false
}

variable "publicly_accessible" {
  type    = bool
  default = false
}

variable "monitoring_interval" {
  type    = number
  default = 0
}

variable "monitoring_role_arn" {
  type    = string
  default = null
}

variable "monitoring_role_name" {
  type    = string
  default = "rds-monitoring-role"
}

variable "create_monitoring_role" {
  type    = bool
  default = false
}

variable "maintenance_window" {
  type    = string
  default = null
}

variable "skip_final_snapshot" {
  type    = bool
  default = false
}

variable "max_allocated_storage" {
  type    = number
  default = 0
}

variable "performance_insights_enabled" {
  type    = bool
  default = false
}

variable "performance_insights_retention_period" {
  type    = number
  default = 7
}

variable "backup_retention_period" {
  type    = number
  default = null
}

variable "backup_window" {
  type    = string
  default = null
}

variable "enabled_cloudwatch_logs_exports" {
  type    = list(string)
  default = []
}

variable "deletion_protection" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "timeouts" {
  type    = map(string)
  default = {}
}

variable "timezone" {
  type    = string
  default = null
}
