variable "name" {
  type = string
}

variable "engine_version" {
  type    = string
  default = "14.12"
}

variable "password" {
  type    = string
  default = null
}

variable "port" {
  type    = number
  default = 5432
}

locals {
  owner = "${local.prefix}_owner"
  prefix = replace(var.name, "-", "_")
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  db_name        = local.prefix
  username       = local.owner
  password       = var.password
  port           = var.port
}

output "address" {
  value = aws_db_instance.this.address
}

output "url" {
  value = "postgres://${aws_db_instance.this.username}:${aws_db_instance.this.password}@${aws_db_instance.this.endpoint}/${aws_db_instance.this.db_name}"
}
