variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "f" { default = "default" }
variable "pg_version" {
  type = string
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_db_instance" "db" {
  engine         = "postgres"
  engine_version = var.pg_version
}

resource "aws_lambda_function" "job" {
  function_name = "job"
  environment {
    variables = {
      A    = var.a
      B    = var.b
      C    = var.c
      D    = var.d
      E    = var.e
      F    = var.f
      TEAM = lookup(var.tags, "team", "none")
    }
  }
}
