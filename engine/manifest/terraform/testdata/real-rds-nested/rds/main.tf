# Excerpt of terraform-aws-modules/terraform-aws-rds (Apache-2.0), main.tf
# and variables.tf at fa183b6b36204913fac1219d09b4979c1e60443a.

variable "identifier" { type = string }
variable "engine" {
  type    = string
  default = null
}
variable "engine_version" {
  type    = string
  default = null
}
variable "family" {
  type    = string
  default = null
}
variable "major_engine_version" {
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
  type      = string
  default   = null
  sensitive = true
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
variable "create_db_instance" {
  type    = bool
  default = true
}
variable "putin_khuylo" {
  type    = bool
  default = true
}

locals {
  create_db_instance = var.create_db_instance && var.putin_khuylo
}

module "db_instance" {
  source = "./modules/db_instance"

  create     = local.create_db_instance
  identifier = var.identifier

  engine         = var.engine
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name                     = var.db_name
  username                    = var.username
  password_wo                 = var.manage_master_user_password ? null : var.password_wo
  password_wo_version         = var.manage_master_user_password ? null : var.password_wo_version
  port                        = var.port
  manage_master_user_password = var.manage_master_user_password
}
