# Excerpt of terraform-aws-modules/terraform-aws-rds (Apache-2.0),
# modules/db_instance/main.tf and variables.tf at fa183b6b36204913fac1219d09b4979c1e60443a.

variable "create" {
  type    = bool
  default = true
}
variable "identifier" { type = string }
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
variable "password_wo" {
  type    = string
  default = null
}
variable "password_wo_version" {
  type    = number
  default = null
}
variable "port" {
  type    = string
  default = null
}
variable "manage_master_user_password" {
  type    = bool
  default = true
}
variable "replicate_source_db" {
  type    = string
  default = null
}

locals {
  identifier = var.identifier
  is_replica = var.replicate_source_db != null
}

resource "aws_db_instance" "this" {
  count = var.create ? 1 : 0

  identifier = local.identifier

  engine         = local.is_replica ? null : var.engine
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name                     = var.db_name
  username                    = !local.is_replica ? var.username : null
  password_wo                 = !local.is_replica && var.manage_master_user_password ? null : var.password_wo
  password_wo_version         = !local.is_replica && var.manage_master_user_password ? null : var.password_wo_version
  port                        = var.port
  manage_master_user_password = !local.is_replica && var.manage_master_user_password ? var.manage_master_user_password : null

  replicate_source_db = var.replicate_source_db
}
