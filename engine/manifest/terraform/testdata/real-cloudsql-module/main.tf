# Excerpt of terraform-google-modules/terraform-google-sql-db (Apache-2.0),
# modules/postgresql/main.tf and variables.tf at 25cf7833281c13578940ee5fe270cc962ddd3982,
# read as the root (a vendored copy of the module): database_version is a
# required variable, and the module rewrites it with substr and replace.

variable "name" {
  type = string
}
variable "database_version" {
  description = "The database version to use"
  type        = string
}
variable "enable_default_db" {
  type    = bool
  default = true
}
variable "db_name" {
  type    = string
  default = "default"
}
variable "enable_default_user" {
  type    = bool
  default = true
}
variable "user_name" {
  type    = string
  default = "default"
}
variable "user_password" {
  type    = string
  default = ""
}

resource "google_sql_database_instance" "default" {
  provider         = google-beta
  name             = var.name
  database_version = can(regex("\\d", substr(var.database_version, 0, 1))) ? format("POSTGRES_%s", var.database_version) : replace(var.database_version, substr(var.database_version, 0, 8), "POSTGRES")
}

resource "google_sql_database" "default" {
  count    = var.enable_default_db ? 1 : 0
  name     = var.db_name
  instance = google_sql_database_instance.default.name
}

resource "random_password" "user-password" {
  count = var.enable_default_user ? 1 : 0
  keepers = {
    name = google_sql_database_instance.default.name
  }
  min_lower   = 1
  min_numeric = 1
  min_upper   = 1
  length      = 32
}

resource "google_sql_user" "default" {
  count    = var.enable_default_user ? 1 : 0
  name     = var.user_name
  instance = google_sql_database_instance.default.name
  password = var.user_password == "" ? random_password.user-password[0].result : var.user_password
}
