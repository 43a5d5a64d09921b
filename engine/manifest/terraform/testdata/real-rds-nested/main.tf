# Excerpt of terraform-aws-modules/terraform-aws-rds (Apache-2.0),
# examples/blue-green-deployment/main.tf at fa183b6b36204913fac1219d09b4979c1e60443a.
# Changed: the module source "../../" is "./rds" (an excerpt of the module's
# root, which calls its own ./modules/db_instance), and the MySQL password
# is a random_password, as the module's global-cluster example writes it.

locals {
  name = "blue-green-example"
}

module "postgres" {
  source = "./rds"

  identifier = "${local.name}-postgres"

  engine               = "postgres"
  engine_version       = "17.6"
  family               = "postgres17" # DB parameter group
  major_engine_version = "17"         # DB option group
  instance_class       = "db.t4g.large"

  db_name  = "blueGreenExamplePostgresql"
  username = "blue_green_example_postgresql"
  port     = 5432

  password_wo         = "UberSecretPassword"
  password_wo_version = 1
  # Not supported with blue/green deployment
  manage_master_user_password = false
}

module "mysql" {
  source = "./rds"

  identifier = "${local.name}-mysql"

  engine               = "mysql"
  engine_version       = "8.0.43"
  family               = "mysql8.0" # DB parameter group
  major_engine_version = "8.0"      # DB option group
  instance_class       = "db.t4g.large"

  db_name  = "blueGreenExampleMysql"
  username = "blue_green_example_mysql"
  port     = 3306

  password_wo         = random_password.mysql.result
  password_wo_version = 1
  manage_master_user_password = false
}

resource "random_password" "mysql" {
  length  = 20
  special = false
}
